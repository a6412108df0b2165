"""Transfer manifests (电子转移联单): commands, store, views, receiving and disposal, pages."""
