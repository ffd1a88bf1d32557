//! `Step`: the closed set of operations a plan runs, one `match` per step per row. Each
//! variant's struct lives in the stage file that lowers to it (one Spark family per file) and
//! has `fn run(&self, slots: &mut [Slot]) -> StepResult`.

use super::slot::Slot;
use super::SlotIndex;
use crate::error::ScoreErrorKind;
use crate::stages::{
    classification, clustering, feature, fpm, mllib, recommendation, regression, tree,
};

/// Whether the row goes on or is dropped, as Spark's `handleInvalid = "skip"` or a filter does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Skip,
}

/// A scoring failure inside a step: what and which column; the session adds the step's
/// stage unless the fault names one (a fused step spans several stages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fault {
    pub kind: ScoreErrorKind,
    pub column: u32,
    pub stage: u32,
}

impl Fault {
    pub fn new(kind: ScoreErrorKind, column: SlotIndex) -> Self {
        Fault {
            kind,
            column: column as u32,
            stage: crate::error::NO_INDEX,
        }
    }

    /// The fault as raised by stage `stage` (unless it already names one).
    pub fn in_stage(mut self, stage: u32) -> Self {
        if self.stage == crate::error::NO_INDEX {
            self.stage = stage;
        }
        self
    }
}

pub type StepResult = Result<Flow, Fault>;

/// Moves a slot out so a step can write it while reading the others; `put` returns it. Moving
/// a `Slot` moves its buffers' pointers, never their contents.
#[inline]
pub fn take(slots: &mut [Slot], i: SlotIndex) -> Slot {
    slots.get_mut(i).map(std::mem::take).unwrap_or_default()
}

#[inline]
pub fn put(slots: &mut [Slot], i: SlotIndex, slot: Slot) {
    if let Some(s) = slots.get_mut(i) {
        *s = slot;
    }
}

/// The slots a step reads while it writes one output: every slot but the output, borrowed
/// in place (splitting the slice, so nothing is moved or copied per row).
pub struct Others<'a> {
    before: &'a [Slot],
    after: &'a [Slot],
    out: SlotIndex,
}

/// Read access to slots by index: the whole slice, or `Others` around an output.
pub trait SlotRead {
    fn read(&self, i: SlotIndex) -> &Slot;
}

impl SlotRead for [Slot] {
    #[inline]
    fn read(&self, i: SlotIndex) -> &Slot {
        self.get(i).unwrap_or(&EMPTY)
    }
}

impl SlotRead for Others<'_> {
    /// The output slot itself reads as NULL: the compiler never gives a step its own output
    /// as an input.
    #[inline]
    fn read(&self, i: SlotIndex) -> &Slot {
        if i < self.out {
            self.before.get(i).unwrap_or(&EMPTY)
        } else if i > self.out {
            self.after.get(i - self.out - 1).unwrap_or(&EMPTY)
        } else {
            &EMPTY
        }
    }
}

/// Runs `f` with the output slot `out` borrowed mutably beside the other slots.
#[inline]
pub fn produce<R>(
    slots: &mut [Slot],
    out: SlotIndex,
    f: impl FnOnce(&Others<'_>, &mut Slot) -> R,
) -> R {
    if out < slots.len() {
        let (before, rest) = slots.split_at_mut(out);
        if let Some((o, after)) = rest.split_first_mut() {
            return f(&Others { before, after, out }, o);
        }
    }
    // An output index past the slots (never compiled): write to a throwaway slot.
    let mut o = Slot::default();
    f(
        &Others {
            before: slots,
            after: &[],
            out,
        },
        &mut o,
    )
}

static EMPTY: Slot = Slot {
    null: true,
    num: 0.0,
    text: String::new(),
    vec: super::slot::VecBuf {
        size: 0,
        sparse: false,
        indices: Vec::new(),
        values: Vec::new(),
    },
    tokens: super::slot::TokenBuf {
        text: String::new(),
        ends: Vec::new(),
    },
    vecs: super::slot::VecArray {
        items: Vec::new(),
        len: 0,
    },
};

/// A slot by index; the compiler guarantees indices are in range, an out-of-range index reads
/// as NULL rather than panicking.
#[inline]
pub fn slot<S: SlotRead + ?Sized>(slots: &S, i: SlotIndex) -> &Slot {
    slots.read(i)
}

macro_rules! steps {
    ($($variant:ident($ty:ty),)*) => {
        #[derive(Debug, Clone)]
        pub enum Step {
            $($variant($ty),)*
        }

        impl Step {
            #[inline]
            pub fn run(&self, slots: &mut [Slot]) -> StepResult {
                match self {
                    $(Step::$variant(s) => s.run(slots),)*
                }
            }
        }
    };
}

steps! {
    CastToString(feature::cast::CastToString),
    StringIndexer(feature::string_indexer::StringIndexerStep),
    VectorAssembler(feature::vector_assembler::VectorAssemblerStep),
    LogisticRegression(classification::logistic_regression::LogisticRegressionStep),
    // Issue 5 feature stages (main).
    VectorSlice(feature::vector_slicer::VectorSliceStep),
    Pca(feature::pca::PcaStep),
    VectorIndexer(feature::vector_indexer::VectorIndexerStep),
    ElementwiseProduct(feature::elementwise_product::ElementwiseProductStep),
    PolynomialExpansion(feature::polynomial_expansion::PolynomialExpansionStep),
    Dct(feature::dct::DctStep),
    Word2Vec(feature::word2vec::Word2VecStep),
    FeatureHasher(feature::feature_hasher::FeatureHasherStep),
    MllibLinear(mllib::linear::MllibLinearStep),
    MllibNaiveBayes(mllib::naive_bayes::MllibNaiveBayesStep),
    MllibTree(mllib::tree::MllibTreeStep),
    Als(recommendation::als::AlsStep),
    Glr(regression::generalized_linear_regression::GlrStep),
    Aft(regression::aft_survival_regression::AftStep),
    Isotonic(regression::isotonic_regression::IsotonicStep),
    Mlp(classification::multilayer_perceptron::MlpStep),
    Fm(classification::factorization_machines::FmStep),
    OneVsRest(classification::one_vs_rest::OneVsRestStep),
    GaussianMixture(clustering::gaussian_mixture::GaussianMixtureStep),
    LinearRegression(regression::linear_regression::LinearRegressionStep),
    LinearSvc(classification::linear_svc::LinearSvcStep),
    NaiveBayes(classification::naive_bayes::NaiveBayesStep),
    DecisionTreeClassifier(tree::decision_tree::DecisionTreeClassifierStep),
    DecisionTreeRegressor(tree::decision_tree::DecisionTreeRegressorStep),
    RandomForestClassifier(tree::random_forest::RandomForestClassifierStep),
    RandomForestRegressor(tree::random_forest::RandomForestRegressorStep),
    GbtClassifier(tree::gbt::GbtClassifierStep),
    GbtRegressor(tree::gbt::GbtRegressorStep),
    KMeans(clustering::kmeans::KMeansStep),
    OneHotEncoder(feature::one_hot_encoder::OneHotEncoderStep),
    LegacyOneHotEncoder(feature::one_hot_encoder::LegacyOneHotEncoderStep),
    IndexToString(feature::index_to_string::IndexToStringStep),
    VectorSizeHint(feature::vector_size_hint::VectorSizeHintStep),
    StandardScaler(feature::standard_scaler::StandardScalerStep),
    MinMaxScaler(feature::min_max_scaler::MinMaxScalerStep),
    Normalizer(feature::normalizer::NormalizerStep),
    Binarizer(feature::binarizer::BinarizerStep),
    Bucketizer(feature::bucketizer::BucketizerStep),
    Imputer(feature::imputer::ImputerStep),
    // Text stages.
    Tokenizer(feature::tokenizer::TokenizerStep),
    RegexTokenizer(feature::regex_tokenizer::RegexTokenizerStep),
    StopWordsRemover(feature::stop_words_remover::StopWordsRemoverStep),
    NGram(feature::ngram::NGramStep),
    HashingTF(feature::hashing_tf::HashingTFStep),
    CountVectorizer(feature::count_vectorizer::CountVectorizerStep),
    Idf(feature::idf::IdfStep),
    Sql(feature::sql::SqlStep),
    // RFormula, Interaction, TargetEncoder, LSH.
    RFormulaLabel(feature::rformula::RFormulaLabelStep),
    Interaction(feature::interaction::InteractionStep),
    TargetEncoder(feature::target_encoder::TargetEncoderStep),
    MinHashLsh(feature::lsh::MinHashLshStep),
    BucketedRandomProjectionLsh(feature::lsh::BucketedRandomProjectionLshStep),
    // Clustering and old mllib models (fixtures-models).
    BisectingKMeans(clustering::bisecting_kmeans::BisectingKMeansStep),
    Lda(clustering::lda::LdaStep),
    MatrixFactorization(mllib::matrix_factorization::MatrixFactorizationStep),
    MllibWord2Vec(mllib::word2vec::MllibWord2VecStep),
    FpGrowth(fpm::fp_growth::FpGrowthStep),
    // Fused chains (plan/fuse.rs), only with selected outputs.
    SparseLinear(Box<super::fuse::SparseLinearStep>),
    DenseTree(Box<super::fuse::DenseTreeStep>),
}

/// Borrows a hidden slot's f64 buffer as scratch for one step; `return_scratch` gives it back
/// so its capacity survives to the next row.
#[inline]
pub fn take_scratch(slots: &mut [Slot], i: SlotIndex) -> Vec<f64> {
    slots
        .get_mut(i)
        .map(|s| std::mem::take(&mut s.vec.values))
        .unwrap_or_default()
}

#[inline]
pub fn return_scratch(slots: &mut [Slot], i: SlotIndex, buf: Vec<f64>) {
    if let Some(s) = slots.get_mut(i) {
        s.vec.values = buf;
    }
}

/// Moves a hidden slot's vector out for a step to fill; `put_slot_vec` returns it.
#[inline]
pub fn take_slot_vec(slots: &mut [Slot], i: SlotIndex) -> super::slot::VecBuf {
    slots
        .get_mut(i)
        .map(|s| std::mem::take(&mut s.vec))
        .unwrap_or_default()
}

#[inline]
pub fn put_slot_vec(slots: &mut [Slot], i: SlotIndex, v: super::slot::VecBuf) {
    if let Some(s) = slots.get_mut(i) {
        s.vec = v;
    }
}
