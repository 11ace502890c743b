import { playerStandingJson, snapshotJson, standingsPageJson, type SnapshotWire } from '../../../common/messages/wire';

const entry = { rank: 1, playerId: 'a', displayName: 'Ann "A"', score: 1900 };

describe('wire serializers', () => {
  test('a snapshot built in any field order, with extra fields, becomes the same v1 bytes', () => {
    const wireOrder: SnapshotWire = { quizId: 'q', seq: 3, players: 2, answers: 5, openQuestions: [{ questionId: 'q1', answered: 2 }], entries: [entry] };
    const shuffled = {
      entries: [{ score: 1900, displayName: 'Ann "A"', playerId: 'a', rank: 1, extra: true }],
      openQuestions: [{ answered: 2, questionId: 'q1' }],
      answers: 5,
      players: 2,
      seq: 3,
      quizId: 'q',
      createdAt: 1,
    };
    expect(snapshotJson(shuffled)).toBe(snapshotJson(wireOrder));
    expect(snapshotJson(wireOrder)).toBe(
      '{"quizId":"q","seq":3,"players":2,"answers":5,"openQuestions":[{"questionId":"q1","answered":2}],"entries":[{"rank":1,"playerId":"a","displayName":"Ann \\"A\\"","score":1900}]}',
    );
  });

  test('a standings page and a player standing in their declared order; around only when asked', () => {
    expect(standingsPageJson({ entries: [entry], offset: 100, players: 250, quizId: 'q' })).toBe(
      '{"quizId":"q","players":250,"offset":100,"entries":[{"rank":1,"playerId":"a","displayName":"Ann \\"A\\"","score":1900}]}',
    );
    expect(playerStandingJson({ rank: 1, score: 1900, displayName: 'Ann', playerId: 'a' })).toBe('{"playerId":"a","displayName":"Ann","score":1900,"rank":1}');
    expect(JSON.parse(playerStandingJson({ rank: 1, score: 1900, displayName: 'Ann', playerId: 'a', around: [entry] }))).toEqual({
      playerId: 'a',
      displayName: 'Ann',
      score: 1900,
      rank: 1,
      around: [entry],
    });
  });
});
