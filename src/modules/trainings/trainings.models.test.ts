import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { addDays, answerProblem, dueForWarning, looksLikePdf, scoreQuiz, trainingStanding, type QuizQuestion } from './trainings.models.ts';
import { completedOnSchema, trainingSchema } from './trainings.schemas.ts';
import { RESPONSIBLE_RESEARCH } from './trainings.shipped.ts';

const QUESTIONS: QuizQuestion[] = ['a', 'b', 'c', 'd', 'e'].map((id, i) => ({ id, prompt: `Question ${id}?`, choices: ['x', 'y', 'z'], answer: i % 3 }));
const right = Object.fromEntries(QUESTIONS.map((q) => [q.id, q.answer]));

describe('scoring a quiz', () => {
  it('passes at exactly the pass mark and fails one answer below it', () => {
    const fourOfFive = { ...right, e: (QUESTIONS[4]!.answer + 1) % 3 };
    assert.deepEqual(scoreQuiz(QUESTIONS, fourOfFive, 80), { score: 4, total: 5, passed: true, wrong: ['e'] });
    const threeOfFive = { ...fourOfFive, a: 2 };
    assert.equal(scoreQuiz(QUESTIONS, threeOfFive, 80).passed, false);
  });

  it('never passes an empty quiz, whatever the mark', () => {
    assert.equal(scoreQuiz([], {}, 1).passed, false);
  });

  it('counts exactly the matching answers and passes only at or above the mark, for any answers', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 5, maxLength: 5 }), fc.integer({ min: 1, max: 100 }), (given, mark) => {
      const answers = Object.fromEntries(QUESTIONS.map((q, i) => [q.id, given[i]!]));
      const result = scoreQuiz(QUESTIONS, answers, mark);
      const expected = QUESTIONS.filter((q, i) => q.answer === given[i]).length;
      assert.equal(result.score, expected);
      assert.equal(result.wrong.length, 5 - expected);
      assert.equal(result.passed, (expected / 5) * 100 >= mark - 1e-9);
    }));
  });
});

describe('checking quiz answers', () => {
  it('names the first question left unanswered or answered out of range', () => {
    assert.deepEqual(answerProblem(QUESTIONS, { ...right, c: undefined }), { field: 'answers.c', message: 'answer every question' });
    assert.equal(answerProblem(QUESTIONS, { ...right, b: 3 })?.field, 'answers.b');
    assert.equal(answerProblem(QUESTIONS, { ...right, b: '1' })?.field, 'answers.b');
    assert.equal(answerProblem(QUESTIONS, { ...right, zz: 0 })?.field, 'answers.zz');
    assert.equal(answerProblem(QUESTIONS, right), null);
  });

  it('accepts any in-range integer answers and refuses anything else, for arbitrary input', () => {
    fc.assert(fc.property(fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), fc.oneof(fc.integer({ min: -2, max: 4 }), fc.string(), fc.constant(null), fc.double())), (answers) => {
      const valid = ['a', 'b', 'c', 'd', 'e'].every((id) => Number.isInteger(answers[id]) && (answers[id] as number) >= 0 && (answers[id] as number) <= 2) && !('f' in answers);
      assert.equal(answerProblem(QUESTIONS, answers) === null, valid);
    }));
  });
});

describe('certificates over time', () => {
  const now = new Date('2031-01-01T00:00:00Z');
  it('counts the newest unrevoked certificate, valid only before its end', () => {
    const old = { expiresAt: addDays(now, -10), revokedAt: null };
    const revoked = { expiresAt: addDays(now, 100), revokedAt: addDays(now, -1) };
    assert.equal(trainingStanding([old, revoked], now).state, 'expired');
    assert.equal(trainingStanding([], now).state, 'none');
    const renewed = { expiresAt: addDays(now, 5), revokedAt: null };
    assert.equal(trainingStanding([old, renewed], now).current, renewed);
    assert.equal(trainingStanding([{ expiresAt: now, revokedAt: null }], now).state, 'expired', 'the end instant is already past');
  });

  it('is due its warning within 30 days of the end, not before and not once expired', () => {
    assert.equal(dueForWarning({ expiresAt: addDays(now, 31), revokedAt: null }, now), false);
    assert.equal(dueForWarning({ expiresAt: addDays(now, 30), revokedAt: null }, now), true);
    assert.equal(dueForWarning({ expiresAt: addDays(now, -1), revokedAt: null }, now), false);
  });
});

describe('recognising a PDF', () => {
  it('accepts bytes that start with %PDF- and nothing else', () => {
    assert.equal(looksLikePdf(Buffer.from('%PDF-1.7\n...')), true);
    assert.equal(looksLikePdf(Buffer.from('%PDF')), false);
    assert.equal(looksLikePdf(Buffer.from('<html>%PDF-1.7')), false);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      assert.equal(looksLikePdf(bytes), Buffer.from(bytes.subarray(0, 5)).toString('latin1') === '%PDF-');
      assert.equal(looksLikePdf(Buffer.concat([Buffer.from('%PDF-'), bytes])), true);
    }));
  });
});

describe('the shipped course', () => {
  it('is a valid training with a five-question quiz and modules on consent, harm, dual use and redistribution', () => {
    const parsed = trainingSchema.parse(RESPONSIBLE_RESEARCH);
    assert.equal(parsed.questions.length, 5);
    const text = parsed.modules.map((m) => `${m.title}\n${m.body}`).join('\n').toLowerCase();
    for (const topic of ['consent', 'never agreed to be studied', 'dual use', 'redistribut']) assert.ok(text.includes(topic), topic);
  });
});

describe('reading a completion date', () => {
  it('takes every real calendar date as YYYY-MM-DD, at midnight UTC', () => {
    fc.assert(fc.property(fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2100-12-31T00:00:00Z'), noInvalidDate: true }), (date) => {
      const text = date.toISOString().slice(0, 10);
      const parsed = completedOnSchema.safeParse(` ${text} `);
      assert.ok(parsed.success, text);
      assert.equal(parsed.data.toISOString(), `${text}T00:00:00.000Z`);
    }));
  });

  it('refuses anything that is not exactly a calendar date', () => {
    for (const bad of ['2031-02-30', '2031-13-01', '31-01-2031', '2031/01/01', '2031-1-1', '']) assert.equal(completedOnSchema.safeParse(bad).success, false, bad);
    fc.assert(fc.property(fc.string(), (text) => {
      const parsed = completedOnSchema.safeParse(text);
      if (parsed.success) assert.equal(parsed.data.toISOString().slice(0, 10), text.trim());
    }));
  });
});
