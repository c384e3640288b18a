import { describe, expect, it } from "vitest";
import { formulaCells, parseCsvStrict, validateSarif } from "./formats";

// The checkers are only worth something if they say no: each mistake below is one a writer
// could really make, and each must be caught with a message that says where.

function sarifLog(result: Record<string, unknown> = {}, rules = [{ id: "host-network" }]) {
  return {
    version: "2.1.0",
    runs: [
      {
        tool: { driver: { name: "Trustmap", rules } },
        results: [
          {
            ruleId: "host-network",
            ruleIndex: 0,
            level: "error",
            message: { text: "Pod shop/api uses the host's network" },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: "testdata/shop/workloads.yaml" },
                  region: { startLine: 3 },
                },
              },
            ],
            properties: { "security-severity": "8.0", tags: ["security"] },
            ...result,
          },
        ],
      },
    ],
  };
}

const sarif = (value: unknown) => validateSarif(JSON.stringify(value));

describe("validateSarif", () => {
  it("accepts a minimal log and a log with a located result", () => {
    expect(sarif({ version: "2.1.0", runs: [] })).toEqual([]);
    expect(sarif(sarifLog())).toEqual([]);
  });

  it("rejects text that is not JSON", () => {
    expect(validateSarif("{ runs: [] }")[0]).toMatch(/^not JSON: /);
  });

  it("rejects a log without runs", () => {
    expect(sarif({ version: "2.1.0" })).toEqual([
      expect.stringMatching(/^\$: must have required property 'runs'/),
    ]);
  });

  it("rejects another version than 2.1.0", () => {
    expect(sarif({ ...sarifLog(), version: "2.0.0" })).toEqual([
      expect.stringMatching(/^\$\.version: must be equal to one of the allowed values \(\["2\.1\.0"\]\)/),
    ]);
  });

  it("rejects a result level SARIF does not have, listing the ones it has", () => {
    expect(sarif(sarifLog({ level: "critical" }))).toEqual([
      expect.stringMatching(
        /^\$\.runs\[0\]\.results\[0\]\.level: must be equal to one of the allowed values \(\["none","note","warning","error"\]\)/,
      ),
    ]);
  });

  it("rejects properties the schema does not define, naming them in the path", () => {
    expect(sarif(sarifLog({ "trustmap-severity": "high" }))).toEqual([
      '$.runs[0].results[0]["trustmap-severity"]: is not a property the schema allows here',
    ]);
  });

  it("rejects a line number below 1 and a start time that is not a date-time", () => {
    const log = sarifLog();
    Object.assign(log.runs[0]!, { invocations: [{ executionSuccessful: true, startTimeUtc: "yesterday" }] });
    const located = sarifLog({
      locations: [{ physicalLocation: { artifactLocation: { uri: "a.yaml" }, region: { startLine: 0 } } }],
    });
    expect(sarif(log)).toEqual([
      expect.stringMatching(/^\$\.runs\[0\]\.invocations\[0\]\.startTimeUtc: must match format "date-time"/),
    ]);
    expect(sarif(located)).toEqual([
      expect.stringMatching(
        /^\$\.runs\[0\]\.results\[0\]\.locations\[0\]\.physicalLocation\.region\.startLine: must be >= 1/,
      ),
    ]);
  });

  it("rejects an artifact URI that is not a URI reference (a space is not allowed unescaped)", () => {
    const log = sarifLog({
      locations: [{ physicalLocation: { artifactLocation: { uri: "my manifests/a.yaml" } } }],
    });
    expect(sarif(log)).toEqual([
      expect.stringMatching(
        /^\$\.runs\[0\]\.results\[0\]\.locations\[0\]\.physicalLocation\.artifactLocation\.uri: must match format "uri-reference"/,
      ),
    ]);
  });

  it("rejects a ruleIndex past the rules, or pointing at another rule than ruleId", () => {
    expect(sarif(sarifLog({ ruleIndex: 1 }))).toEqual([
      "$.runs[0].results[0].ruleIndex: 1 but tool.driver.rules has 1 rules",
    ]);
    expect(sarif(sarifLog({}, [{ id: "host-network" }, { id: "host-pid" }]))).toEqual([]);
    expect(sarif(sarifLog({ ruleIndex: 1 }, [{ id: "host-network" }, { id: "host-pid" }]))).toEqual([
      '$.runs[0].results[0].ruleIndex: points at tool.driver.rules[1] "host-pid", not at "host-network"',
    ]);
  });

  it("rejects a result that names no rule, or names two", () => {
    expect(sarif(sarifLog({ ruleId: undefined, ruleIndex: undefined }))).toEqual([
      "$.runs[0].results[0]: names no rule (neither ruleId nor rule.id)",
    ]);
    expect(sarif(sarifLog({ rule: { id: "host-pid" }, ruleIndex: undefined }))).toEqual([
      '$.runs[0].results[0].ruleId: "host-network" differs from rule.id "host-pid"',
    ]);
  });
});

describe("parseCsvStrict", () => {
  it("reads quoted fields with commas, line breaks and doubled quotes, with or without a final CRLF", () => {
    const text = 'id,message,objects\r\nhost-network,"Pod ""api"", shop","a\r\nb"\r\nx,,\r\n';
    const expected = {
      header: ["id", "message", "objects"],
      rows: [
        ["host-network", 'Pod "api", shop', "a\r\nb"],
        ["x", "", ""],
      ],
      errors: [],
    };
    expect(parseCsvStrict(text)).toEqual(expected);
    expect(parseCsvStrict(text.slice(0, -2))).toEqual(expected);
    expect(parseCsvStrict("id,message\r\n")).toEqual({ header: ["id", "message"], rows: [], errors: [] });
  });

  it("rejects records that end with LF alone", () => {
    const table = parseCsvStrict("id,severity\nhost-network,high\n");
    expect(table.errors).toEqual([
      "line 1: the record ends with LF alone, not CRLF",
      "line 2: the record ends with LF alone, not CRLF",
    ]);
  });

  it("rejects a stray quote in an unquoted field and text after a closing quote", () => {
    expect(parseCsvStrict('id,message\r\nx,Pod "api"\r\n').errors).toEqual([
      "line 2, field 2: a quote in an unquoted field (quote the field, double the quote)",
      "line 2, field 2: a quote in an unquoted field (quote the field, double the quote)",
    ]);
    expect(parseCsvStrict('id,message\r\nx,"Pod "api""\r\n').errors).toEqual([
      'line 2, field 2: text after the closing quote (a quote inside a field is written "")',
      "line 2, field 2: a quote in an unquoted field (quote the field, double the quote)",
      "line 2, field 2: a quote in an unquoted field (quote the field, double the quote)",
    ]);
  });

  it("rejects a quoted field that is never closed and a CR without LF", () => {
    expect(parseCsvStrict('id,message\r\nx,"open\r\n').errors).toEqual([
      "line 2, field 2: the quoted field is never closed",
    ]);
    expect(parseCsvStrict("id,message\r\nx,a\rb\r\n").errors).toEqual([
      "line 2, field 2: CR without LF in an unquoted field",
    ]);
  });

  it("rejects ragged records, counting lines inside quoted fields", () => {
    const table = parseCsvStrict('a,b,c\r\n1,"two\r\nlines",3\r\n1,2\r\n1,2,3,4\r\n\r\n');
    expect(table.errors).toEqual([
      "line 4: 2 fields where the header has 3 (missing from field 3)",
      "line 5: 4 fields where the header has 3 (extra from field 4)",
      "line 6: 1 fields where the header has 3 (missing from field 2)",
    ]);
  });

  it("rejects an empty text: a CSV has at least its header", () => {
    expect(parseCsvStrict("").errors).toEqual(["the text is empty: there is not even a header"]);
  });
});

describe("formulaCells", () => {
  it("finds cells a spreadsheet would run, and not those defused with an apostrophe", () => {
    const rows = [
      ["=1+1", "+1", "-1", "@SUM(A1)"],
      ["\tx", "\rx", "'=1+1", "a=b"],
    ];
    expect(formulaCells(rows)).toEqual([
      { row: 0, field: 0, value: "=1+1" },
      { row: 0, field: 1, value: "+1" },
      { row: 0, field: 2, value: "-1" },
      { row: 0, field: 3, value: "@SUM(A1)" },
      { row: 1, field: 0, value: "\tx" },
      { row: 1, field: 1, value: "\rx" },
    ]);
  });
});
