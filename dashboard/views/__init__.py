"""One Streamlit page per module, routed by dashboard/app.py with st.navigation."""
