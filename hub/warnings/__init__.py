"""The warning centre (预警中心): warnings raised by rules over what the hub holds, followed to the end with
supervision orders (督办单). See docs/warnings.md."""
