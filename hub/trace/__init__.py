"""A bag's life (一袋一码): its events and everything around them, EPCIS export, the /t/{code} pages."""
