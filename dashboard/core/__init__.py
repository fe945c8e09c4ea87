"""Pure domain logic: vital definitions, validation, charts. Never imports streamlit or the store."""
