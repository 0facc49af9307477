"""safety models arrive with their own issue; the app is in place so the layout is stable."""
