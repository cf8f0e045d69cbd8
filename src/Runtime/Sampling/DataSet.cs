using System.Buffers;
using System;

namespace Convotron;

/// <summary>Writes row <paramref name="row"/>'s inputs into <paramref name="inputs"/> and returns its label (see <see cref="DataSet.Create"/>).</summary>
/// <param name="row">The row, 0 ≤ row &lt; n.</param>
/// <param name="inputs">Where its d inputs go.</param>
public delegate double RowWriter(int row, Span<double> inputs);

/// <summary>
/// A finite set of labelled samples held as one row-major matrix: a test set, a validation set,
/// or a user's data. Entries are checked finite when the set is made.
/// </summary>
/// <remarks>Immutable and safe to share between threads.</remarks>
public sealed class DataSet
{
    // The rows are the first _count labels and _count·d inputs; the arrays may be longer when they
    // are rented (an internal data set over pooled storage, see Rent).
    private readonly double[] _inputs;
    private readonly double[] _labels;
    private readonly int _count;

    /// <summary>A data set of <c>labels.Length</c> rows of d inputs each (arrays are copied).</summary>
    /// <param name="inputSize">d, at least 1.</param>
    /// <param name="inputs">Row-major inputs, length n·d, finite.</param>
    /// <param name="labels">Labels, length n ≥ 1, finite.</param>
    public DataSet(int inputSize, ReadOnlySpan<double> inputs, ReadOnlySpan<double> labels)
    {
        Guard.AtLeast(inputSize, 1);
        if (labels.Length == 0)
            throw new ArgumentException("A data set needs at least 1 sample; labels is empty.", nameof(labels));
        if ((long)labels.Length * inputSize != inputs.Length)
            throw new ArgumentException($"inputs must have length n·d = {labels.Length}·{inputSize} = {(long)labels.Length * inputSize}; got {inputs.Length}.", nameof(inputs));
        Guard.AllFinite(inputs);
        Guard.AllFinite(labels);
        InputSize = inputSize;
        _inputs = inputs.ToArray();
        _labels = labels.ToArray();
        _count = labels.Length;
        LabelVariance = Variance(_labels);
    }

    private DataSet(int inputSize, double[] inputs, double[] labels, int count)
    {
        InputSize = inputSize;
        _inputs = inputs;
        _labels = labels;
        _count = count;
        LabelVariance = Variance(labels.AsSpan(0, count));
    }

    /// <summary>
    /// A data set of <paramref name="count"/> rows written in place by <paramref name="write"/>: no
    /// intermediate copy of the inputs (for data sets built from a transformed or reordered source).
    /// </summary>
    /// <param name="inputSize">d, at least 1.</param>
    /// <param name="count">n, at least 1.</param>
    /// <param name="write">Called once per row, in order: writes the row's d inputs and returns its label; all must be finite.</param>
    public static DataSet Create(int inputSize, int count, RowWriter write)
    {
        Guard.AtLeast(inputSize, 1);
        Guard.AtLeast(count, 1);
        ArgumentNullException.ThrowIfNull(write);
        CheckSize(count, inputSize);
        var inputs = new double[count * inputSize];
        var labels = new double[count];
        for (int n = 0; n < count; n++)
        {
            Span<double> row = inputs.AsSpan(n * inputSize, inputSize);
            double label = write(n, row);
            if (!double.IsFinite(label) || !Guard.AreFinite(row))
                throw new ArgumentException($"write gave row {n} a non-finite {(double.IsFinite(label) ? "input" : "label")}; every entry must be finite.", nameof(write));
            labels[n] = label;
        }
        return new DataSet(inputSize, inputs, labels, count);
    }

    /// <summary>n fresh samples from a teacher: x ~ <paramref name="inputs"/>, y = f*(x) + ε.</summary>
    public static DataSet Draw(Teacher teacher, InputDistribution inputs, int count, Xoshiro256StarStar random)
    {
        ArgumentNullException.ThrowIfNull(teacher);
        return Draw(teacher.Stream(inputs, random), count);
    }

    /// <summary>The next <paramref name="count"/> samples of a stream.</summary>
    public static DataSet Draw(ISampleSource source, int count)
    {
        ArgumentNullException.ThrowIfNull(source);
        Guard.AtLeast(count, 1);
        int d = source.InputSize;
        // Every entry is written below: no need for the zeroing of a fresh array.
        CheckSize(count, d);
        double[] x = GC.AllocateUninitializedArray<double>(count * d), y = GC.AllocateUninitializedArray<double>(count);
        Fill(source, d, x, y, count);
        return new DataSet(d, x, y, count);
    }

    /// <summary>
    /// The next <paramref name="count"/> samples of a stream in arrays rented from
    /// <see cref="ArrayPool{T}.Shared"/>: for data sets drawn again and again (held-out and test
    /// rows of many runs), which then write memory already mapped instead of faulting in fresh
    /// pages. The caller must hand the data set to <see cref="Return"/> once, when nothing uses it any more.
    /// </summary>
    internal static DataSet Rent(ISampleSource source, int count)
    {
        ArgumentNullException.ThrowIfNull(source);
        Guard.AtLeast(count, 1);
        int d = source.InputSize;
        CheckSize(count, d);
        double[] x = ArrayPool<double>.Shared.Rent(count * d), y = ArrayPool<double>.Shared.Rent(count);
        try
        {
            Fill(source, d, x, y, count);
        }
        catch
        {
            ArrayPool<double>.Shared.Return(x);
            ArrayPool<double>.Shared.Return(y);
            throw;
        }
        return new DataSet(d, x, y, count);
    }

    /// <summary>Gives the arrays of a data set from <see cref="Rent"/> back to the pool (null: nothing to do).</summary>
    internal static void Return(DataSet? rented)
    {
        if (rented is null)
            return;
        ArrayPool<double>.Shared.Return(rented._inputs);
        ArrayPool<double>.Shared.Return(rented._labels);
    }

    private static void CheckSize(int count, int inputSize)
    {
        if ((long)count * inputSize > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(count), $"count·inputSize = {(long)count * inputSize} exceeds the largest array ({Array.MaxLength}).");
    }

    private static void Fill(ISampleSource source, int d, double[] x, double[] y, int count)
    {
        for (int n = 0; n < count; n++)
            y[n] = source.Next(x.AsSpan(n * d, d));
    }

    /// <summary>The input size d.</summary>
    public int InputSize { get; }

    /// <summary>The number of samples n.</summary>
    public int Count => _count;

    /// <summary>The population variance of the labels, Var(y): the denominator of the relative MSE.</summary>
    public double LabelVariance { get; }

    /// <summary>Input row <paramref name="n"/>.</summary>
    public ReadOnlySpan<double> Input(int n) => _inputs.AsSpan(CheckRow(n) * InputSize, InputSize);

    /// <summary>Label <paramref name="n"/>.</summary>
    public double Label(int n) => _labels[CheckRow(n)];

    /// <summary>All labels.</summary>
    public ReadOnlySpan<double> Labels => _labels.AsSpan(0, _count);

    /// <summary>All inputs, row-major.</summary>
    public ReadOnlySpan<double> Inputs => _inputs.AsSpan(0, _count * InputSize);

    private int CheckRow(int n) => (uint)n < (uint)_count ? n : throw new ArgumentOutOfRangeException(nameof(n), n, $"n must be in [0, {_count}).");

    /// <summary>Rows [start, start + count) as a new data set.</summary>
    public DataSet Slice(int start, int count)
    {
        if (start < 0 || count < 1 || start + count > Count)
            throw new ArgumentOutOfRangeException(nameof(count), $"The slice [{start}, {start}+{count}) must lie in [0, {Count}) and hold at least 1 sample.");
        return new DataSet(InputSize, _inputs.AsSpan(start * InputSize, count * InputSize).ToArray(), _labels.AsSpan(start, count).ToArray(), count);
    }

    /// <summary>
    /// A stream that walks the rows in a fresh random order each pass (several passes over
    /// finite data); the order is drawn from <paramref name="random"/>.
    /// </summary>
    public ISampleSource Stream(Xoshiro256StarStar random) => new ShuffledStream(this, random);

    private static double Variance(ReadOnlySpan<double> values)
    {
        double mean = 0.0;
        foreach (double v in values)
            mean += v;
        mean /= values.Length;
        double sum = 0.0;
        foreach (double v in values)
            sum += (v - mean) * (v - mean);
        return sum / values.Length;
    }

    private sealed class ShuffledStream : ISampleSource
    {
        private readonly DataSet _data;
        private readonly Xoshiro256StarStar _random;
        private readonly int[] _order;
        private int _position;

        public ShuffledStream(DataSet data, Xoshiro256StarStar random)
        {
            ArgumentNullException.ThrowIfNull(random);
            _data = data;
            _random = random;
            _order = new int[data.Count];
            for (int i = 0; i < _order.Length; i++)
                _order[i] = i;
            _position = _order.Length;
        }

        public int InputSize => _data.InputSize;

        public Teacher? Teacher => null;

        public double Next(Span<double> x)
        {
            Guard.Length(x.Length, InputSize, "d");
            if (_position == _order.Length)
            {
                for (int i = _order.Length - 1; i > 0; i--)
                {
                    int j = (int)_random.NextUInt64((ulong)i + 1);
                    (_order[i], _order[j]) = (_order[j], _order[i]);
                }
                _position = 0;
            }
            int row = _order[_position++];
            _data.Input(row).CopyTo(x);
            return _data.Label(row);
        }
    }
}
