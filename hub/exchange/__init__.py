"""数据对接: the provincial platform's data pulled back (回流) and the hub's own data pushed up."""
