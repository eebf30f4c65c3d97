/**
 * @module resource.Quantity: exact decimal quantities ("500m", "128Mi", "1e3") as Kubernetes parses and prints them.
 */

/** QUANTITY_FORMAT_ERROR is apimachinery's ErrFormatWrong message, which clients match on. */
export const QUANTITY_FORMAT_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
/** QUANTITY_SUFFIX_ERROR is apimachinery's ErrSuffix message. */
export const QUANTITY_SUFFIX_ERROR = "unable to parse quantity's suffix";

/** QuantityFormat says how a quantity prints: like Kubernetes, it keeps the style the user wrote it in. */
export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

/** QuantityError is thrown by Quantity.parse; its message is one of the apimachinery parse errors. */
export class QuantityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QuantityError';
  }
}

const NANO = 1_000_000_000n;
const DECIMAL_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_BY_EXPONENT = new Map(Object.entries(DECIMAL_SUFFIXES).map(([s, e]) => [e, s]));
const BINARY_NAMES = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
const SHAPE = /^([+-]?)([0-9]*)(?:\.([0-9]*))?([eEinumkKMGTP]*[-+]?[0-9]*)$/;

/** Parsed quantities by their text, at most PARSED_MAX (cleared when full: texts a client invents cannot grow it). */
const PARSED = new Map<string, Quantity>();
const PARSED_MAX = 512;

const abs = (n: bigint): bigint => (n < 0n ? -n : n);

/** divAwayFromZero divides and rounds away from zero, as apimachinery does so that a request never shrinks to nothing. */
function divAwayFromZero(n: bigint, d: bigint): bigint {
  const q = n / d;
  if (n % d === 0n) return q;
  return n < 0n ? q - 1n : q + 1n;
}

function interpretSuffix(suffix: string): { base: 10 | 2; exponent: number; format: QuantityFormat } | undefined {
  const dec = DECIMAL_SUFFIXES[suffix];
  if (dec !== undefined) return { base: 10, exponent: dec, format: 'DecimalSI' };
  const bin = BINARY_SUFFIXES[suffix];
  if (bin !== undefined) return { base: 2, exponent: bin, format: 'BinarySI' };
  if (/^[eE][-+]?[0-9]+$/.test(suffix)) return { base: 10, exponent: Number(suffix.slice(1)), format: 'DecimalExponent' };
  return undefined;
}

/**
 * Quantity is resource.Quantity held exactly as a BigInt count of nano-units, so "0.1" + "0.2" is exactly "300m"
 * and comparisons of requests against limits never suffer float rounding.
 */
export class Quantity {
  /** The canonical text, made on the first toString (decoding stores it, validation may print it again). */
  #text: string | undefined;

  private constructor(
    /** The value times 10^9; precision below nano is rounded away from zero on parse, as Kubernetes does. */
    readonly nanos: bigint,
    readonly format: QuantityFormat,
  ) {}

  /** parse reads a quantity string (or a JSON number, which Kubernetes also accepts); throws QuantityError. */
  static parse(input: string | number): Quantity {
    const str = typeof input === 'number' ? numberToString(input) : input;
    // A create reads each resource quantity three times (decode, validation, QoS class) and a cluster uses few
    // distinct ones; a Quantity is immutable, so the parsed one is shared.
    const known = PARSED.get(str);
    if (known) return known;
    const q = Quantity.#parse(str);
    if (PARSED.size >= PARSED_MAX) PARSED.clear();
    PARSED.set(str, q);
    return q;
  }

  static #parse(str: string): Quantity {
    const m = SHAPE.exec(str);
    if (!m || str === '' || `${m[2] ?? ''}${m[3] ?? ''}` === '') throw new QuantityError(QUANTITY_FORMAT_ERROR);
    const [, sign = '', whole = '', frac = '', suffix = ''] = m;
    const unit = interpretSuffix(suffix);
    if (!unit) throw new QuantityError(QUANTITY_SUFFIX_ERROR);
    // value = digits * 10^-frac.length * base^exponent; scale everything to nanos with one final rounding.
    let numerator = BigInt(`${whole}${frac}` || '0');
    let denominator = 10n ** BigInt(frac.length);
    if (unit.base === 2) numerator *= 2n ** BigInt(unit.exponent);
    else if (unit.exponent >= 0) numerator *= 10n ** BigInt(unit.exponent);
    else denominator *= 10n ** BigInt(-unit.exponent);
    let nanos = divAwayFromZero(numerator * NANO, denominator);
    if (sign === '-') nanos = -nanos;
    // Small binary quantities print as decimal, as apimachinery does ("512" rather than "0.5Ki").
    const format = unit.format === 'BinarySI' && abs(nanos) < 1024n * NANO ? 'DecimalSI' : unit.format;
    return new Quantity(nanos, format);
  }

  /** fromMilli builds a DecimalSI quantity from milli-units, e.g. summed cpu requests. */
  static fromMilli(milli: number | bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(BigInt(milli) * 1_000_000n, format);
  }

  /** fromValue builds a quantity from whole units, e.g. bytes of memory (use format 'BinarySI' for "Mi" output). */
  static fromValue(value: number | bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(BigInt(value) * NANO, format);
  }

  /** zero is the neutral element for sums. */
  static zero(format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(0n, format);
  }

  /** milliValue is the value in milli-units rounded away from zero, like Quantity.MilliValue (cpu "1" is 1000). */
  milliValue(): number {
    return Number(divAwayFromZero(this.nanos, 1_000_000n));
  }

  /** value is the value in whole units rounded away from zero, like Quantity.Value (memory "1Ki" is 1024). */
  value(): number {
    return Number(divAwayFromZero(this.nanos, NANO));
  }

  cmp(other: Quantity): -1 | 0 | 1 {
    return this.nanos < other.nanos ? -1 : this.nanos > other.nanos ? 1 : 0;
  }

  /** add returns the sum in this quantity's format (or the other's when this one is zero, as Quantity.Add does). */
  add(other: Quantity): Quantity {
    return new Quantity(this.nanos + other.nanos, this.nanos === 0n ? other.format : this.format);
  }

  sub(other: Quantity): Quantity {
    return new Quantity(this.nanos - other.nanos, this.nanos === 0n ? other.format : this.format);
  }

  isZero(): boolean {
    return this.nanos === 0n;
  }

  /** sign is -1, 0 or 1, for "must be greater than or equal to 0" checks. */
  sign(): -1 | 0 | 1 {
    return this.nanos < 0n ? -1 : this.nanos > 0n ? 1 : 0;
  }

  equals(other: Quantity): boolean {
    return this.nanos === other.nanos;
  }

  /** toString prints the canonical form Kubernetes stores: "0.5" becomes "500m", "1.5Gi" becomes "1536Mi". */
  toString(): string {
    return (this.#text ??= this.#format());
  }

  #format(): string {
    if (this.nanos === 0n) return '0';
    if (this.format === 'BinarySI' && this.nanos % NANO === 0n) return this.binaryString();
    let mantissa = this.nanos;
    let exponent = -9;
    while (mantissa % 10n === 0n) {
      mantissa /= 10n;
      exponent += 1;
    }
    const rem = ((exponent % 3) + 3) % 3;
    mantissa *= 10n ** BigInt(rem);
    exponent -= rem;
    const decimal = DECIMAL_BY_EXPONENT.get(exponent);
    // BinarySI that is not a whole number falls back to DecimalSI rather than lose precision.
    if (this.format !== 'DecimalExponent' && decimal !== undefined) return `${mantissa}${decimal}`;
    return exponent === 0 ? `${mantissa}` : `${mantissa}e${exponent}`;
  }

  toJSON(): string {
    return this.toString();
  }

  private binaryString(): string {
    let units = this.nanos / NANO;
    let power = 0;
    while (power < BINARY_NAMES.length - 1 && units % 1024n === 0n) {
      units /= 1024n;
      power += 1;
    }
    return `${units}${BINARY_NAMES[power] ?? ''}`;
  }
}

/** numberToString renders a JSON number the way it would be written in a manifest ("1e+21" is valid quantity text). */
function numberToString(n: number): string {
  if (!Number.isFinite(n)) throw new QuantityError(QUANTITY_FORMAT_ERROR);
  return String(n);
}

/** tryParseQuantity returns undefined instead of throwing, for validators that report their own errors. */
export function tryParseQuantity(input: string | number): Quantity | undefined {
  try {
    return Quantity.parse(input);
  } catch (err) {
    if (err instanceof QuantityError) return undefined;
    throw err;
  }
}
