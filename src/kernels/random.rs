//! The random numbers and special functions Spark's LDA inference uses, reproduced so that a
//! seeded Spark computation can be replayed: commons-math3 3.6.1 `MersenneTwister` (seeded
//! with a `long`), its `BitsStreamGenerator.nextDouble` / `nextGaussian`, breeze 2.1
//! `Gamma(shape, scale).draw()` over that generator, and commons-math3 `Gamma.digamma`.
//!
//! commons-math3 evaluates `log`, `sqrt`, `cos`, `sin` with `FastMath`; Rust's functions may
//! differ in the last ulp, which shifts a draw by an ulp at most (the acceptance tests in
//! the Gamma sampler compare quantities far from their thresholds except on a set of
//! negligible measure).

const N: usize = 624;
const M: usize = 397;

/// commons-math3 `MersenneTwister`: MT19937 with `init_by_array`.
#[derive(Debug, Clone)]
pub struct MersenneTwister {
    mt: [u32; N],
    mti: usize,
    /// The second deviate of the last Box–Muller pair, if unused.
    next_gaussian: Option<f64>,
}

impl MersenneTwister {
    /// `new MersenneTwister(long seed)`: `setSeed(new int[]{ seed >>> 32, seed & 0xffffffff })`.
    pub fn new(seed: i64) -> Self {
        let s = seed as u64;
        let key = [(s >> 32) as u32, s as u32];
        let mut r = MersenneTwister {
            mt: [0; N],
            mti: N,
            next_gaussian: None,
        };
        r.init_genrand(19_650_218);
        let (mut i, mut j) = (1usize, 0usize);
        for _ in 0..N.max(key.len()) {
            let prev = r.mt[i - 1];
            r.mt[i] = (r.mt[i] ^ (prev ^ (prev >> 30)).wrapping_mul(1_664_525))
                .wrapping_add(key[j])
                .wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= N {
                r.mt[0] = r.mt[N - 1];
                i = 1;
            }
            if j >= key.len() {
                j = 0;
            }
        }
        for _ in 0..N - 1 {
            let prev = r.mt[i - 1];
            r.mt[i] = (r.mt[i] ^ (prev ^ (prev >> 30)).wrapping_mul(1_566_083_941))
                .wrapping_sub(i as u32);
            i += 1;
            if i >= N {
                r.mt[0] = r.mt[N - 1];
                i = 1;
            }
        }
        r.mt[0] = 0x8000_0000;
        r.mti = N;
        r
    }

    fn init_genrand(&mut self, s: u32) {
        self.mt[0] = s;
        for i in 1..N {
            let prev = self.mt[i - 1];
            self.mt[i] = 1_812_433_253u32
                .wrapping_mul(prev ^ (prev >> 30))
                .wrapping_add(i as u32);
        }
        self.mti = N;
    }

    /// `next(bits)`: the top `bits` bits of the next tempered output.
    fn next(&mut self, bits: u32) -> u32 {
        const UPPER: u32 = 0x8000_0000;
        const LOWER: u32 = 0x7fff_ffff;
        const MAG01: [u32; 2] = [0, 0x9908_b0df];
        if self.mti >= N {
            for k in 0..N {
                let y = (self.mt[k] & UPPER) | (self.mt[(k + 1) % N] & LOWER);
                self.mt[k] = self.mt[(k + M) % N] ^ (y >> 1) ^ MAG01[(y & 1) as usize];
            }
            self.mti = 0;
        }
        let mut y = self.mt[self.mti];
        self.mti += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^= y >> 18;
        y >> (32 - bits)
    }

    /// `BitsStreamGenerator.nextDouble`: 52 random bits over 2^52.
    pub fn next_double(&mut self) -> f64 {
        let high = u64::from(self.next(26)) << 26;
        let low = u64::from(self.next(26));
        (high | low) as f64 * (1.0 / (1u64 << 52) as f64)
    }

    /// `BitsStreamGenerator.nextGaussian`: Box–Muller, the pair's second value cached.
    pub fn next_gaussian(&mut self) -> f64 {
        if let Some(g) = self.next_gaussian.take() {
            return g;
        }
        let x = self.next_double();
        let y = self.next_double();
        let alpha = 2.0 * std::f64::consts::PI * x;
        let r = (-2.0 * y.ln()).sqrt();
        self.next_gaussian = Some(r * alpha.sin());
        r * alpha.cos()
    }

    /// breeze 2.1 `Gamma(shape, scale)(new RandBasis(this)).draw()` (the numpy algorithms:
    /// Marsaglia–Tsang above shape 1, Johnk-style rejection below, exponential at 1).
    pub fn gamma(&mut self, shape: f64, scale: f64) -> f64 {
        if shape == 1.0 {
            return scale * -self.next_double().ln();
        }
        if shape < 1.0 {
            loop {
                let u = self.next_double();
                let v = -self.next_double().ln();
                if u <= 1.0 - shape {
                    let x = u.powf(1.0 / shape);
                    if x <= v {
                        return scale * x;
                    }
                } else {
                    let y = -((1.0 - u) / shape).ln();
                    let x = (1.0 - shape + shape * y).powf(1.0 / shape);
                    if x <= v + y {
                        return scale * x;
                    }
                }
            }
        }
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let mut x;
            let mut v;
            loop {
                x = self.next_gaussian();
                v = 1.0 + c * x;
                if v > 0.0 {
                    break;
                }
            }
            v = v * v * v;
            let x2 = x * x;
            let u = self.next_double();
            if u < 1.0 - 0.0331 * (x2 * x2) || u.ln() < 0.5 * x2 + d * (1.0 - v + v.ln()) {
                return scale * d * v;
            }
        }
    }
}

/// commons-math3 3.6.1 `Gamma.digamma` (breeze's `digamma`), quirks included: the asymptotic
/// series from 49 up (its x^-4 term has the wrong sign, ~1e-9 off), the recurrence
/// `digamma(x + 1) - 1/x` below (iterated here instead of recursed), `-γ - 1/x` near 0.
pub fn digamma(x: f64) -> f64 {
    const GAMMA: f64 = 0.577_215_664_901_532_9;
    if !x.is_finite() {
        return x;
    }
    let mut x = x;
    let shift;
    // Each recurrence step subtracts 1/x from the value at x + 1; Java subtracts on the way
    // back out of the recursion, i.e. the last step's 1/x first.
    let mut steps: [f64; 64] = [0.0; 64];
    let mut n = 0usize;
    loop {
        if x > 0.0 && x <= 1e-5 {
            shift = -GAMMA - 1.0 / x;
            break;
        }
        if x >= 49.0 {
            let inv = 1.0 / (x * x);
            shift = x.ln() - 0.5 / x - inv * ((1.0 / 12.0) + inv * (1.0 / 120.0 - inv / 252.0));
            break;
        }
        if n == steps.len() {
            // Far below zero: the series needs more steps than the buffer; fold them in now
            // (only the last ulp can differ from Java's order).
            let folded: f64 = steps.iter().sum();
            steps = [0.0; 64];
            steps[0] = folded;
            n = 1;
        }
        steps[n] = 1.0 / x;
        n += 1;
        x += 1.0;
    }
    let mut r = shift;
    for s in steps[..n].iter().rev() {
        r -= s;
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values printed by the JVM (commons-math3 3.6.1, breeze 2.1.0 from pyspark 3.5.9);
    // seeds beyond the int range so that the JVM's `MersenneTwister(long)` is the one called.
    #[test]
    fn mersenne_twister_matches_commons_math() {
        let mut r = MersenneTwister::new(1_099_511_627_781);
        let d: Vec<f64> = (0..3).map(|_| r.next_double()).collect();
        assert_eq!(
            d,
            [
                0.42797162509644515,
                0.06397021136029224,
                0.040636300784698154
            ]
        );
        let mut r = MersenneTwister::new(-8_589_934_599);
        let g: Vec<f64> = (0..3).map(|_| r.next_gaussian()).collect();
        let want = [-1.2160016452243643, -1.2322430525069457, -0.652490074120273];
        for (a, b) in g.iter().zip(want) {
            // FastMath log/cos/sin vs Rust's: an ulp at most.
            assert!((a - b).abs() <= 4.0 * f64::EPSILON * b.abs(), "{a} vs {b}");
        }
    }

    #[test]
    fn gamma_draws_match_breeze() {
        let mut r = MersenneTwister::new(1_099_511_627_781);
        let g: Vec<f64> = (0..4).map(|_| r.gamma(100.0, 0.01)).collect();
        let want = [
            0.800609185226816,
            1.1025782921947394,
            0.9110814648351057,
            0.9931998765421158,
        ];
        let mut r = MersenneTwister::new(4_294_967_338);
        let h: Vec<f64> = (0..4).map(|_| r.gamma(0.5, 2.0)).collect();
        let want_small = [
            0.10491649676968894,
            0.2884520966456745,
            2.4047679280442407,
            0.06809994793611147,
        ];
        for (a, b) in g.iter().zip(want).chain(h.iter().zip(want_small)) {
            assert!((a - b).abs() <= 8.0 * f64::EPSILON * b.abs(), "{a} vs {b}");
        }
    }

    #[test]
    fn digamma_is_commons_math_3_6_1() {
        // commons-math's series adds the x^-4 term with the wrong sign (`inv * (1/12 + inv *
        // (1/120 - inv/252))`), so values are off by ~1/(60 x^4) from 49 on, ~3e-9 at 1:
        // Spark's LDA computes with exactly this function.
        let x: f64 = 100.0;
        let inv = 1.0 / (x * x);
        let series = x.ln() - 0.5 / x - inv * ((1.0 / 12.0) + inv * (1.0 / 120.0 - inv / 252.0));
        assert_eq!(digamma(100.0), series);
        assert!((digamma(1.0) + 0.577_215_664_901_532_9).abs() < 1e-8);
        assert!((digamma(0.5) + 1.963_510_026_021_423_5).abs() < 1e-8);
        assert_eq!(digamma(1e-6), -0.577_215_664_901_532_9 - 1e6);
        assert_eq!(digamma(0.0), f64::NEG_INFINITY);
        assert!(digamma(f64::NAN).is_nan());
    }
}
