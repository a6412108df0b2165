"""The shared language of wastetrace, sans-I/O: values in, values or bytes out.

Nothing here opens a socket, a file or a thread, or reads a clock; time is passed in as UTC integer
milliseconds and weights as integer grams.
"""
