#!/usr/bin/env node
// The compiled entry point; `npm run build` (part of `npm start` and `npm test`) produces it.
import '../dist/main.js';
