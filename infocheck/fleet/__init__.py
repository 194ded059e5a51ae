"""A fleet: the fleet file, the run that checks each target in a process of its own, the fleet
document (model), merge and diff of such documents, and their rendering."""
