"""One layout module per page, each registered with dash.register_page; shared pieces in components."""
