#!/usr/bin/env node
// The compiled entry point; `npm run build` produces it.
import '../dist/main.js';
