"""Transport: GPS positions of vehicles, and their tracks drawn without map tiles."""
