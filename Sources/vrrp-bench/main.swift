print("vrrp-bench: not yet")
