"""Who may do what: roles, the access table and its gate, login sessions, passwords, accounts, audit."""
