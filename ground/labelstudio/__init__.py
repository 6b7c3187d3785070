"""The Label Studio connection that the project commands and pull share: the client, API
tokens, the local server and its database, the organisation's members.
"""
