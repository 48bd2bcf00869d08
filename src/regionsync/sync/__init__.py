"""The sync engine: inventory, compare, plan, runner, the polling service and the journal."""
