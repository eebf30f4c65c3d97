/**
 * @module parseLabelSelector, the string form of label selectors (apimachinery labels.Parse).
 */
import { ApiError } from '../status.js';
import { newRequirement, requirementBadRequest, type Operator, type Requirement } from './requirement.js';
import { selectorFromRequirements, type Selector } from './selector.js';

type TokenKind = 'identifier' | 'in' | 'notin' | '!' | '=' | '==' | '!=' | '(' | ')' | ',' | '>' | '<' | 'end';

interface Token {
  kind: TokenKind;
  text: string;
}

const SPECIALS = ['!=', '==', '!', '=', '(', ')', ',', '>', '<'] as const;
const isWhitespace = (c: string): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isSpecial = (c: string): boolean => c === '!' || c === '=' || c === '(' || c === ')' || c === ',' || c === '>' || c === '<';

/** tokenize splits a selector into tokens; "in"/"notin" come out as keywords and the parser demotes them where a value is expected. */
function tokenize(s: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (isWhitespace(c)) {
      i++;
      continue;
    }
    if (isSpecial(c)) {
      const sym = SPECIALS.find((p) => s.startsWith(p, i))!;
      tokens.push({ kind: sym, text: sym });
      i += sym.length;
      continue;
    }
    let j = i;
    while (j < s.length && !isWhitespace(s[j]!) && !isSpecial(s[j]!)) j++;
    const text = s.slice(i, j);
    tokens.push({ kind: text === 'in' ? 'in' : text === 'notin' ? 'notin' : 'identifier', text });
    i = j;
  }
  tokens.push({ kind: 'end', text: '' });
  return tokens;
}

/** ParseError is a syntax error; requirement-level ones get the "unable to parse requirement: " prefix as in kube. */
class ParseError extends Error {}

class Parser {
  readonly #tokens: Token[];
  #pos = 0;

  constructor(tokens: Token[]) {
    this.#tokens = tokens;
  }

  /** peek looks at the next token; in value position keywords are plain identifiers (a label may be named "in"). */
  peek(asValue = true): Token {
    return demote(this.#tokens[this.#pos]!, asValue);
  }

  next(asValue = true): Token {
    const t = this.peek(asValue);
    if (t.kind !== 'end') this.#pos++;
    return t;
  }

  parse(): Requirement[] {
    const reqs: Requirement[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === 'end') return reqs;
      if (t.kind !== 'identifier' && t.kind !== '!') throw new ParseError(`found '${t.text}', expected: !, identifier, or 'end of string'`);
      reqs.push(this.requirement());
      const sep = this.next();
      if (sep.kind === 'end') return reqs;
      if (sep.kind !== ',') throw new ParseError(`found '${sep.text}', expected: ',' or 'end of string'`);
      const after = this.peek();
      if (after.kind !== 'identifier' && after.kind !== '!') throw new ParseError(`found '${after.text}', expected: identifier after ','`);
    }
  }

  requirement(): Requirement {
    try {
      let negated = false;
      let t = this.next();
      if (t.kind === '!') {
        negated = true;
        t = this.next();
      }
      if (t.kind !== 'identifier') throw new ParseError(`found '${t.text}', expected: identifier`);
      const key = t.text;
      const after = this.peek();
      if (negated) return newRequirement(key, '!');
      if (after.kind === 'end' || after.kind === ',') return newRequirement(key, 'exists');
      const op = this.operator();
      const values = op === 'in' || op === 'notin' ? this.valueSet() : [this.exactValue()];
      return newRequirement(key, op, values);
    } catch (e) {
      if (e instanceof ParseError) throw new ParseError(`unable to parse requirement: ${e.message}`);
      throw requirementBadRequest(e);
    }
  }

  operator(): Operator {
    const t = this.next(false);
    switch (t.kind) {
      case 'in':
      case 'notin':
      case '=':
      case '==':
      case '!=':
        return t.kind;
      case '>':
      case '<':
        throw new ParseError(`operator '${t.text}' (gt, lt) is not supported`);
      default:
        throw new ParseError(`found '${t.text}', expected: in, notin, =, ==, !=, gt, lt`);
    }
  }

  exactValue(): string {
    const t = this.peek();
    if (t.kind === 'end' || t.kind === ',') return '';
    this.next();
    if (t.kind === 'identifier') return t.text;
    throw new ParseError(`found '${t.text}', expected: identifier`);
  }

  /** valueSet reads "(a,b)"; empty members, as in "(a,)" or "()", stand for the empty value, as in kube. */
  valueSet(): string[] {
    const open = this.next();
    if (open.kind !== '(') throw new ParseError(`found '${open.text}', expected: '('`);
    const values: string[] = [];
    let expectValue = true;
    for (;;) {
      const t = this.next();
      if (t.kind === 'identifier' && expectValue) {
        values.push(t.text);
        expectValue = false;
      } else if (t.kind === ',') {
        if (expectValue) values.push('');
        expectValue = true;
      } else if (t.kind === ')') {
        if (expectValue) values.push('');
        return values;
      } else {
        throw new ParseError(`found '${t.text}', expected: ',', ')' or identifier`);
      }
    }
  }
}

function demote(t: Token, asValue: boolean): Token {
  return asValue && (t.kind === 'in' || t.kind === 'notin') ? { kind: 'identifier', text: t.text } : t;
}

/**
 * parseLabelSelector parses `?labelSelector=` text: comma-separated requirements ANDed together, each one of
 * `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a)`, `k`, `!k`. The empty string selects everything. Syntax
 * errors and invalid keys or values throw a 400 BadRequest ApiError worded as kube-apiserver's.
 */
export function parseLabelSelector(s: string): Selector {
  try {
    return selectorFromRequirements(new Parser(tokenize(s)).parse());
  } catch (e) {
    if (e instanceof ParseError) throw new ApiError({ reason: 'BadRequest', message: e.message });
    throw requirementBadRequest(e);
  }
}
