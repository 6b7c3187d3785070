"""Reading an export: opening files, the streaming reader, splitting a file into halves,
pulling an export from Label Studio.
"""
