//! `org.apache.spark.ml.regression.GeneralizedLinearRegressionModel` (spark-format.md 10.2).
//! Data: `intercept, coefficients`. `prediction = family.project(link.unlink(eta))` with
//! `eta = x·β + intercept + offset`; `linkPredictionCol` (optional) is eta.

use crate::error::{LoadError, LoadErrorKind, ScoreErrorKind};
use crate::plan::step::slot;
use crate::plan::{ColumnType, Compiler, Fault, Flow, Slot, SlotIndex, Step, StepResult, Want};
use crate::spark::{parquet, Metadata};

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Link {
    Identity,
    Logit,
    Log,
    Inverse,
    Probit,
    CLogLog,
    Sqrt,
    Power(f64),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Family {
    Gaussian,
    Binomial,
    Poisson,
    Gamma,
    Tweedie,
}

/// Standard normal CDF via erfc (Breeze's `Gaussian(0,1).cdf` is erf-based too).
fn normal_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

/// Complementary error function (W. J. Cody's rational approximations, ~1e-16 relative).
fn erfc(x: f64) -> f64 {
    // Series below 0.5, continued fraction above: double precision, bounded iterations.
    let z = x.abs();
    let r = if z < 0.5 {
        // erf series
        let z2 = z * z;
        let mut term = z;
        let mut sum = z;
        let mut n = 0.0;
        while n < 60.0 {
            n += 1.0;
            term *= -z2 / n;
            let add = term / (2.0 * n + 1.0);
            sum += add;
            if add.abs() <= 1e-17 * sum.abs() {
                break;
            }
        }
        1.0 - 2.0 / std::f64::consts::PI.sqrt() * sum
    } else {
        // Lentz continued fraction for erfc(z), z >= 0.5.
        let tiny = 1e-300;
        let mut f = z;
        let mut c = z;
        let mut d = 0.0;
        let mut i = 1.0;
        while i < 500.0 {
            let a = i / 2.0;
            d = z + a * d;
            d = if d.abs() < tiny { tiny } else { d };
            c = z + a / c;
            c = if c.abs() < tiny { tiny } else { c };
            d = 1.0 / d;
            let delta = c * d;
            f *= delta;
            if (delta - 1.0).abs() < 1e-16 {
                break;
            }
            i += 1.0;
        }
        (-z * z).exp() / (f * std::f64::consts::PI.sqrt())
    };
    if x < 0.0 {
        2.0 - r
    } else {
        r
    }
}

impl Link {
    #[inline]
    fn unlink(self, eta: f64) -> f64 {
        match self {
            Link::Identity => eta,
            Link::Logit => 1.0 / (1.0 + (-eta).exp()),
            Link::Log => eta.exp(),
            Link::Inverse => 1.0 / eta,
            Link::Probit => normal_cdf(eta),
            Link::CLogLog => 1.0 - (-eta.exp()).exp(),
            Link::Sqrt => eta * eta,
            Link::Power(p) => {
                if p == 0.0 {
                    eta.exp()
                } else {
                    eta.powf(1.0 / p)
                }
            }
        }
    }

    fn parse(name: &str) -> Option<Link> {
        Some(match name {
            "identity" => Link::Identity,
            "logit" => Link::Logit,
            "log" => Link::Log,
            "inverse" => Link::Inverse,
            "probit" => Link::Probit,
            "cloglog" => Link::CLogLog,
            "sqrt" => Link::Sqrt,
            _ => return None,
        })
    }
}

impl Family {
    #[inline]
    fn project(self, mu: f64) -> f64 {
        const EPS: f64 = 1e-16;
        match self {
            Family::Binomial => mu.clamp(EPS, 1.0 - EPS),
            Family::Poisson | Family::Gamma | Family::Tweedie => {
                if mu < EPS {
                    EPS
                } else if mu.is_infinite() {
                    f64::MAX
                } else {
                    mu
                }
            }
            Family::Gaussian => {
                if mu.is_infinite() {
                    f64::MAX.copysign(mu)
                } else {
                    mu
                }
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct GlrStep {
    pub features: SlotIndex,
    pub offset: Option<SlotIndex>,
    pub prediction: Option<SlotIndex>,
    pub link_prediction: Option<SlotIndex>,
    pub coefficients: Vec<f64>,
    pub intercept: f64,
    pub link: Link,
    pub family: Family,
}

impl GlrStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        let x = slot(slots, self.features);
        if x.null {
            return Err(Fault::new(ScoreErrorKind::NullValue, self.features));
        }
        if x.vec.size != self.coefficients.len() {
            return Err(Fault::new(ScoreErrorKind::BadVectorSize, self.features));
        }
        let offset = match self.offset {
            Some(o) => {
                let s = slot(slots, o);
                if s.null {
                    return Err(Fault::new(ScoreErrorKind::NullValue, o));
                }
                s.num
            }
            None => 0.0,
        };
        let eta = x.vec.dot(&self.coefficients) + self.intercept + offset;
        if let Some(s) = self.prediction.and_then(|p| slots.get_mut(p)) {
            s.set_num(self.family.project(self.link.unlink(eta)));
        }
        if let Some(s) = self.link_prediction.and_then(|p| slots.get_mut(p)) {
            s.set_num(eta);
        }
        Ok(Flow::Continue)
    }
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let table = parquet::read_table(&c.read, &meta.dir.join("data"))?;
    let row = table.single_row()?;
    let intercept = table.decode(row, "intercept", |d| d.as_f64())?;
    let coefficients = table.decode(row, "coefficients", |d| {
        Ok(d.to_vector(c.limits().max_vector_width)?.to_dense())
    })?;
    let family_name = meta.str_or("family", "gaussian")?.to_lowercase();
    let variance_power = meta.f64_or("variancePower", 0.0)?;
    let bad = |what: String| meta.error(LoadErrorKind::BadMetadata, what);
    // Family resolution as Spark's `Family.fromParams`: tweedie with power 0/1/2 is
    // gaussian/poisson/gamma.
    let (family, default_link) = match family_name.as_str() {
        "gaussian" => (Family::Gaussian, Link::Identity),
        "binomial" => (Family::Binomial, Link::Logit),
        "poisson" => (Family::Poisson, Link::Log),
        "gamma" => (Family::Gamma, Link::Inverse),
        "tweedie" => match variance_power {
            0.0 => (Family::Gaussian, Link::Identity),
            1.0 => (Family::Poisson, Link::Log),
            2.0 => (Family::Gamma, Link::Inverse),
            p => (Family::Tweedie, Link::Power(1.0 - p)),
        },
        other => return Err(bad(format!("unknown family `{other}`"))),
    };
    let link = if family_name == "tweedie" {
        match meta
            .is_set("linkPower")
            .then(|| meta.opt_f64("linkPower"))
            .transpose()?
            .flatten()
        {
            Some(0.0) => Link::Log,
            Some(1.0) => Link::Identity,
            Some(-1.0) => Link::Inverse,
            Some(0.5) => Link::Sqrt,
            Some(lp) => Link::Power(lp),
            None => default_link,
        }
    } else if meta.is_set("link") {
        let name = meta.required_str("link")?;
        Link::parse(&name).ok_or_else(|| bad(format!("unknown link `{name}`")))?
    } else {
        default_link
    };
    c.begin_stage(
        meta,
        vec![
            ("family".into(), family_name),
            ("link".into(), format!("{link:?}")),
        ],
    )?;
    let features = crate::stages::predictor::features_input(c, meta, Some(coefficients.len()))?;
    let offset = match meta.opt_str("offsetCol")?.filter(|s| !s.is_empty()) {
        Some(name) => Some(c.input(meta, &name, Want::Numeric)?),
        None => None,
    };
    let prediction = crate::stages::predictor::regressor_output(c, meta)?;
    let link_prediction = match meta.opt_str("linkPredictionCol")?.filter(|s| !s.is_empty()) {
        Some(name) => Some(c.output(meta, &name, ColumnType::Double, None)?),
        None => None,
    };
    c.push(Step::Glr(GlrStep {
        features,
        offset,
        prediction,
        link_prediction,
        coefficients,
        intercept,
        link,
        family,
    }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_cdf_matches_reference() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-16);
        assert!((normal_cdf(1.0) - 0.841_344_746_068_542_9).abs() < 1e-15);
        assert!((normal_cdf(-2.0) - 0.022_750_131_948_179_21).abs() < 1e-16);
    }
}
