"""The portal's server: Streamlit's own (`st.App`) with the login cookie's routes and the
warm-up at start. `aktenlotse serve` runs `streamlit run` on this file, which finds `app`
and serves the pages of `streamlit_app.py` through it."""

import streamlit as st

from aktenlotse.portal.session_routes import session_routes
from aktenlotse.portal.warm_up import warm_up_at_start

app = st.App("streamlit_app.py", routes=session_routes(), lifespan=warm_up_at_start)
