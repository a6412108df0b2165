"""申报: producers' monthly declarations (产废月报), disposers' daily reports (经营单位日报), declared vs
weighed."""
