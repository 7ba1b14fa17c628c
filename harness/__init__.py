"""What runs terminal and HQ together: the demo launcher (`make run`), the broker rig, the fleet
simulator and its terminals, reconciliation. Imports both sides; neither imports it."""
