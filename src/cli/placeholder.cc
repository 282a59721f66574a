// Placeholder until the CLI sources land; remove when adding real files.
