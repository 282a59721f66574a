// Placeholder until the server sources land; remove when adding real files.
