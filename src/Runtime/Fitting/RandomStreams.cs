namespace Convotron;

/// <summary>
/// Every random-stream id the project derives from a seed with
/// <see cref="Xoshiro256StarStar.ForStream(ulong, ulong)"/>: one table, so that a new stream cannot
/// reuse an id by accident and a reader can tell what each stream draws. The values are fixed
/// forever (seeded results are bit-identical across versions only while they are).
/// </summary>
/// <remarks>
/// A few ids are used twice on purpose, in commands that never draw both meanings from one seed:
/// 1 (<see cref="Training"/>, <see cref="FitFirstStart"/>, <see cref="MakeDataRows"/>) and
/// 4 (<see cref="FinishRows"/>, <see cref="CompareInitialDirection"/>, <see cref="DisjointGeometry"/>).
/// Each such use has its own name; the doc comment of each says which others share its value.
/// </remarks>
public static class RandomStreams
{
    /// <summary>0: the random teacher's w* and a* (<see cref="Teacher.Random"/>) in every teacher experiment and in <c>make-data</c>.</summary>
    public const ulong Teacher = 0;

    /// <summary>
    /// 1: the training samples of a teacher experiment (Algorithm 1's or Convotron's stream; the stored
    /// rows of the joint learner in <c>sweep</c>). Same value as <see cref="FitFirstStart"/> and <see cref="MakeDataRows"/>.
    /// </summary>
    public const ulong Training = 1;

    /// <summary>2: the fresh samples of the refinement stage after Algorithm 1.</summary>
    public const ulong Refinement = 2;

    /// <summary>3: the test set of a teacher experiment (noiseless labels in <c>sweep</c> and <c>compare</c>).</summary>
    public const ulong Test = 3;

    /// <summary>
    /// 4: the stored rows of the least-squares finish after refinement (<c>sweep</c>'s noisy cells).
    /// Same value as <see cref="CompareInitialDirection"/> and <see cref="DisjointGeometry"/>.
    /// </summary>
    public const ulong FinishRows = 4;

    /// <summary>4: <c>compare</c>'s initial direction of w, shared by both methods. Same value as <see cref="FinishRows"/>.</summary>
    public const ulong CompareInitialDirection = 4;

    /// <summary>4: samples/PaperClaims' random geometry with one disjoint patch (a new one per seed). Same value as <see cref="FinishRows"/>.</summary>
    public const ulong DisjointGeometry = 4;

    /// <summary>1: <c>make-data</c>'s rows (inputs and label noise). Same value as <see cref="Training"/>.</summary>
    public const ulong MakeDataRows = 1;

    /// <summary>5: the shuffle of a data set's rows before the training/validation split (<see cref="ConvNetFit"/>).</summary>
    public const ulong FitShuffle = 5;

    /// <summary>
    /// 1: the order in which the first start of <see cref="ConvNetFit"/> (Algorithm 1 or Convotron
    /// along one patch) draws the training rows. Same value as <see cref="Training"/>.
    /// </summary>
    public const ulong FitFirstStart = 1;

    /// <summary>101: Algorithm 1's random initialisation of w and a (of its options' seed).</summary>
    public const ulong Algorithm1Initialization = 101;

    /// <summary>102: the noise Algorithm 1's stage 1 adds to its steps (of its options' seed).</summary>
    public const ulong Algorithm1Noise = 102;

    /// <summary>301: the joint learner's random starts and shift moves (of its options' seed).</summary>
    public const ulong JointLearnerStarts = 301;
}
