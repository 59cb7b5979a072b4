/**
 * The estimator's answers for the last few (job, GPU) pairs. Most edits (typing in a helper, a
 * comment, a log line) leave the job unchanged, and the estimate plus the fit search (one more
 * estimate per candidate change) are the most expensive part of an analysis; the estimator is a
 * pure function of (job, GPU), so a cached answer is exactly what a new call would return.
 * Callers must not mutate what they get (nothing in the server does).
 */
import { estimate, fitFixes, type FitFix } from '../../../estimator/src';
import type { Estimate, Gpu, TrainingJob } from '../../../estimator/src/types';

const CAPACITY = 16;

function memoize<T>(compute: (job: TrainingJob, gpu: Gpu) => T): (job: TrainingJob, gpu: Gpu) => T {
  const answers = new Map<string, T>();
  return (job, gpu) => {
    const key = JSON.stringify([job, gpu]);
    let answer = answers.get(key);
    if (answer === undefined) {
      answer = compute(job, gpu);
      if (answers.size >= CAPACITY) answers.delete(answers.keys().next().value!);
    } else {
      answers.delete(key); // most recently used last
    }
    answers.set(key, answer);
    return answer;
  };
}

export const cachedEstimate: (job: TrainingJob, gpu: Gpu) => Estimate = memoize(estimate);
export const cachedFitFixes: (job: TrainingJob, gpu: Gpu) => FitFix[] = memoize(fitFixes);
