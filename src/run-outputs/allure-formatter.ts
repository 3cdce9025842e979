// allure-cucumberjs's formatter with the suite's options. cucumber hands formatters JSON options only
// (IRunOptionsFormats.options), and Allure's label and link rules are RegExps: the run passes the results
// folder, the backend and the published page of the run's function as JSON, and this formatter builds the rules from them (allure.ts).
import type { IFormatterOptions } from '@cucumber/cucumber';
import AllureCucumberReporter from 'allure-cucumberjs/reporter';
import { allureFormatOptions, type ResultsWriter } from './allure';

/** The part of cucumber's format options this formatter reads. */
export interface AllureRunOptions {
  allure: { resultsDir: string; backend: string; pageUrl: string };
}

export default class SuiteAllureFormatter extends AllureCucumberReporter {
  private readonly writer: ResultsWriter;

  constructor(options: IFormatterOptions) {
    const { resultsDir, backend, pageUrl } = (options.parsedArgvOptions as unknown as AllureRunOptions).allure;
    const allure = allureFormatOptions(resultsDir, backend, pageUrl);
    super({ ...options, parsedArgvOptions: allure } as unknown as IFormatterOptions);
    this.writer = allure.writer;
  }

  /** cucumber waits for this before the run ends: every result file is then on disk. */
  override async finished(): Promise<void> {
    await super.finished();
    await this.writer.flushed();
  }
}
