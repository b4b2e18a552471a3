"""What happens to each document after it is read, in order."""
