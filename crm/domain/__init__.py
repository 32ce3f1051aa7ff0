"""Pure CRM rules: no I/O, no await, time passed in as `now`."""
