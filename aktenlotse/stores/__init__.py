"""The stores: one owner per database.

- `statedb`: the state database (what the crawl found; schema in `state_schema`,
  reports in `state_queries`, row types in `state_rows`).
- `appdb`: the app database (what people make: wiki, review decisions, Aktenplan
  versions), with `wiki_store`, `review_store` and `aktenplan_store` on top of it.
- `migrations`: the named migrations both owners apply when they open their database.
"""
