// The report thread's @cucumber/cucumber. allure-cucumberjs's formatter takes two classes from the
// package's index (Formatter, World) and allure.ts its version, but the index also loads cucumber's
// CLI, configuration and runtime: a quarter of a second of CPU for every run with reports. Imported
// before them, this puts a module with just those three in the index's place, in this thread only.
import Module from 'node:module';
import Formatter from '@cucumber/cucumber/lib/formatter/index';
import World from '@cucumber/cucumber/lib/support_code_library_builder/world';
import { version } from '@cucumber/cucumber/lib/version';

const index = require.resolve('@cucumber/cucumber');
const standIn = new Module(index);
standIn.filename = index;
standIn.loaded = true;
standIn.exports = { Formatter, World, version };
require.cache[index] = standIn;
