/**
 * The status page's script, served at /status/app.js (see ./routes.ts): plain browser JavaScript,
 * no framework and no build step, kept as strings in three parts that share one function scope:
 * ./page-stream.ts (the operator event stream and the data), ./page-tables.ts (tables and rows)
 * and ./page-views.ts (views, routing, start).
 */
import { STREAM_JS } from './page-stream';
import { TABLES_JS } from './page-tables';
import { VIEWS_JS } from './page-views';

/** The whole script: one strict-mode function scope around the three parts. */
export const PAGE_JS = `(function () {\n'use strict';\n${STREAM_JS}\n${TABLES_JS}\n${VIEWS_JS}})();\n`;
