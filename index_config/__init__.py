"""index_config"""
