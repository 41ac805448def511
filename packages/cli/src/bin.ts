#!/usr/bin/env node
// The `mosaic` command. Subcommands arrive with the node and CLI issues.
console.error('mosaic: no commands yet');
process.exit(2);
