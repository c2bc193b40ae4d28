import { describe, expect, it } from "vitest";
import { Gathering } from "../durable/sale-session/gathering";

describe("checkout gathering", () => {
  it("runs the calls of the same moment together on the next turn, in arrival order, and later calls on a turn after", async () => {
    const gathering = new Gathering();
    const order: string[] = [];
    const first = gathering.next().then(() => {
      order.push("run 1");
      // Scheduled by the first of the gathered calls: anything on a later turn runs after all of them.
      setTimeout(() => order.push("next turn"), 0);
      // A call made now waits for the gathering after this one.
      return gathering.next().then(() => order.push("late"));
    });
    const others = [2, 3].map((i) => gathering.next().then(() => order.push(`run ${i}`)));
    expect(order).toEqual([]);
    await Promise.all([first, ...others]);
    expect(order).toEqual(["run 1", "run 2", "run 3", "next turn", "late"]);
  });
});
