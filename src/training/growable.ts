type TypedArray = Int32Array | Float64Array;

/** An append-only typed buffer that doubles when full: millions of rows without boxed numbers. */
class Growable<T extends TypedArray> {
  private data: T;
  length = 0;

  constructor(private readonly allocate: (size: number) => T) {
    this.data = allocate(1024);
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = this.allocate(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }

  toArray(): T {
    return this.data.slice(0, this.length) as T;
  }
}

export class GrowableInt32 extends Growable<Int32Array> {
  constructor() {
    super((size) => new Int32Array(size));
  }
}

export class GrowableFloat64 extends Growable<Float64Array> {
  constructor() {
    super((size) => new Float64Array(size));
  }
}
