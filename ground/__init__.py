"""The ground every room stands on: domain errors, atomic writing, the file and YAML
readers, the terminal, and the Label Studio connection.
"""
