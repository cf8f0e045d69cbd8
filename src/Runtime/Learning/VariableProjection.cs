using System.Buffers;
using System;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using MathNet.Numerics.LinearAlgebra;

namespace Convotron;

/// <summary>
/// The separable least-squares problem min over (w, a) of Σ_i (y_i − Σ_j a_j σ(w · P_j x_i))² on
/// stored rows, in variable-projection form: for a given w the model is linear in a, so a is the
/// least-squares solution a*(w) and the loss is a function of w alone. One evaluation makes two
/// passes over the rows: the first accumulates HᵀH and Hᵀy (H_ij = σ(w · P_j x_i)) and solves for
/// a₀; the second computes the residual r = y − H a₀ directly (so the loss is exact down to machine
/// precision, not a difference of Gram quantities), one step of iterative refinement of a, and
/// the Gauss–Newton blocks of Kaufman's reduced Jacobian: J_w = Σ_j a_j σ'(w · P_j x) P_j x,
/// G_ww = Σ J_w J_wᵀ, G_wa = Σ J_w hᵀ and g = Σ r J_w. The reduced normal matrix is
/// S = G_ww − G_wa (HᵀH)⁺ G_waᵀ (r × r).
/// </summary>
/// <remarks>
/// Not thread-safe: one instance per thread. Every sum runs in row order, so results are
/// bit-identical across runs. Dispose it when done: the kept activations are pooled storage.
/// </remarks>
internal abstract class VariableProjection : IDisposable
{
    /// <summary>The most values of z kept between the two passes of an evaluation by default (64 MB).</summary>
    internal const long DefaultMaxCachedActivations = 8L << 20;

    /// <summary>
    /// The problem on the first <paramref name="rows"/> rows of <paramref name="data"/>, compiled for
    /// <paramref name="kernel"/>'s struct type: its primitives run once or twice per row, so they are
    /// inlined rather than called through the interface (measured: about 10 % of a finish at (160, 16, 9)).
    /// </summary>
    /// <param name="kernel">The patch kernel (a generated model's when there is one): z and J_w of every row come from its primitives.</param>
    /// <param name="data">The rows.</param>
    /// <param name="rows">How many rows (a prefix of <paramref name="data"/>) the objective sums over.</param>
    /// <param name="maxCachedActivations">The most z values kept between the two passes (rows·k above it: recomputed in the second pass).</param>
    public static VariableProjection Create(IPatchKernel kernel, DataSet data, int rows, long maxCachedActivations = DefaultMaxCachedActivations) =>
        kernel.Accept(new Factory(data, rows, maxCachedActivations));

    /// <summary>Σ y_i² over the rows used.</summary>
    public abstract double LabelSquares { get; }

    /// <summary>The rows used (a prefix of the data set).</summary>
    public abstract int Rows { get; }

    /// <summary>
    /// Evaluates w: writes a*(w) into <paramref name="a"/> and returns the residual sum of squares;
    /// when <paramref name="gradient"/> is non-empty, also the reduced normal matrix S (r × r,
    /// row-major, into <paramref name="normal"/>) and the gradient g = J_wᵀ r at a*(w).
    /// </summary>
    public abstract double Evaluate(ReadOnlySpan<double> w, Span<double> a, Span<double> normal, Span<double> gradient);

    /// <summary>Σ (y_i − Σ_j a_j σ(w · P_j x_i))² over the rows, computed directly.</summary>
    public abstract double SumOfSquares(ReadOnlySpan<double> w, ReadOnlySpan<double> a);

    /// <summary>Gives the kept activations back to the pool; later evaluations recompute them.</summary>
    public abstract void Dispose();

    private sealed class Factory(DataSet data, int rows, long maxCachedActivations) : IKernelVisitor<VariableProjection>
    {
        public VariableProjection Visit<TKernel>(TKernel kernel) where TKernel : struct, IPatchKernel =>
            new VariableProjection<TKernel>(kernel, data, rows, maxCachedActivations);
    }
}

/// <summary><see cref="VariableProjection"/> for one kernel type.</summary>
internal sealed class VariableProjection<TKernel> : VariableProjection where TKernel : struct, IPatchKernel
{
    private readonly DataSet _data;
    private readonly TKernel _kernel;
    private readonly Activation _activation;
    private readonly int _r, _k, _rows;
    private readonly double[] _z, _h, _c, _jw;
    private readonly double[] _hth, _hty, _htr, _gww, _gwa, _gw;
    // The row-by-row sums of outer products run on rows padded with zeros to a whole number of
    // vectors (_kp ≥ k, _rp ≥ r), so every multiply-add is a full vector with no scalar tail and
    // no branch on zero entries: _h (length _kp) and _jw (_rp) are written only below k and r, so
    // their tails stay 0; HᵀH as k rows of _kp, G_ww as r rows of _rp and G_wa transposed (k rows
    // of _rp). Each sum still runs in row order.
    private readonly int _kp, _rp;
    private readonly double[] _hthRows, _gwwRows, _gawRows;
    // z_ij = w · P_j x_i of every row from the first pass, reused by the second (null when n·k is
    // too large to keep). Rented from the shared pool: a sweep builds a problem per run, and fresh
    // arrays of this size cost more in page faults than the finish's first evaluation.
    private double[]? _zRows;

    // The solver of (HᵀH) x = b for the current w: the Cholesky factor of the ridged HᵀH, or
    // (when that fails) the pseudo-inverse, or nothing (HᵀH not finite: solutions are NaN).
    private readonly double[] _factor, _column;
    private SolverKind _solver;
    private enum SolverKind { NotFinite, Cholesky, PseudoInverse }

    public VariableProjection(TKernel kernel, DataSet data, int rows, long maxCachedActivations)
    {
        _data = data;
        _kernel = kernel;
        PatchGeometry geometry = kernel.Geometry;
        _activation = kernel.Activation;
        _r = geometry.FilterSize;
        _k = geometry.PatchCount;
        _rows = rows;
        _z = new double[_k];
        _kp = Padded(_k);
        _rp = Padded(_r);
        _h = new double[_kp];
        _c = new double[_k];
        _jw = new double[_rp];
        _hthRows = new double[_k * _kp];
        _gwwRows = new double[_r * _rp];
        _gawRows = new double[_k * _rp];
        _hth = new double[_k * _k];
        _hty = new double[_k];
        _htr = new double[_k];
        _gww = new double[_r * _r];
        _gwa = new double[_r * _k];
        _gw = new double[_r];
        _factor = new double[_k * _k];
        _column = new double[_k];
        if ((long)rows * _k <= maxCachedActivations)
            _zRows = ArrayPool<double>.Shared.Rent(rows * _k);
        double squares = 0.0;
        ReadOnlySpan<double> y = data.Labels[..rows];
        for (int i = 0; i < rows; i++)
            squares += y[i] * y[i];
        LabelSquares = squares;
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        if (_zRows is not null)
            ArrayPool<double>.Shared.Return(_zRows);
        _zRows = null;
    }

    /// <inheritdoc/>
    public override double LabelSquares { get; }

    /// <inheritdoc/>
    public override int Rows => _rows;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override double Evaluate(ReadOnlySpan<double> w, Span<double> a, Span<double> normal, Span<double> gradient)
    {
        int r = _r, k = _k;
        // Pass 1: HᵀH (upper triangle) and Hᵀy.
        int kp = _kp, rp = _rp;
        Array.Clear(_hthRows);
        Array.Clear(_hty);
        for (int i = 0; i < _rows; i++)
        {
            Hidden(i, w);
            if (_zRows is not null)
                _z.CopyTo(ZRow(i));
            double y = _data.Label(i);
            VectorMath.MultiplyAdd(y, _h.AsSpan(0, k), _hty);
            for (int j = 0; j < k; j++)
                VectorMath.MultiplyAdd(_h[j], _h, _hthRows.AsSpan(j * kp, kp));
        }
        // Entry (j, l) and (l, j) are the same products summed in the same order: symmetric bit for bit.
        for (int j = 0; j < k; j++)
            _hthRows.AsSpan(j * kp, k).CopyTo(_hth.AsSpan(j * k, k));
        Factor(_hth, k);
        Solve(_hty, a);
        if (!Guard.AreFinite(a))
            return double.NaN;

        // Pass 2: exact residual at a₀, Hᵀr for one refinement step, and the Gauss–Newton blocks.
        bool blocks = !gradient.IsEmpty;
        Array.Clear(_htr);
        if (blocks)
        {
            Array.Clear(_gwwRows);
            Array.Clear(_gawRows);
            Array.Clear(_gw);
        }
        double loss = 0.0;
        for (int i = 0; i < _rows; i++)
        {
            if (_zRows is null)
            {
                Hidden(i, w);
            }
            else
            {
                ZRow(i).CopyTo(_z);
                for (int j = 0; j < k; j++)
                    _h[j] = _activation.Apply(_z[j]);
            }
            double residual = _data.Label(i) - VectorMath.Dot(a, _h);
            loss += residual * residual;
            VectorMath.MultiplyAdd(residual, _h.AsSpan(0, k), _htr);
            if (!blocks)
                continue;
            for (int j = 0; j < k; j++)
                _c[j] = a[j] * _activation.Derivative(_z[j]);
            // J_w = Σ_j c_j P_j x with c_j = a_j σ'(z_j): the kernel's multiply-add of the patches.
            Span<double> jw = _jw.AsSpan(0, r);
            jw.Clear();
            _kernel.AddPatches(_data.Input(i), _c, 1.0, jw);
            VectorMath.MultiplyAdd(residual, _jw.AsSpan(0, r), _gw);
            for (int t = 0; t < r; t++)
                VectorMath.MultiplyAdd(_jw[t], _jw, _gwwRows.AsSpan(t * rp, rp));
            for (int j = 0; j < k; j++)
                VectorMath.MultiplyAdd(_h[j], _jw, _gawRows.AsSpan(j * rp, rp));
        }
        if (blocks)
        {
            for (int t = 0; t < r; t++)
            {
                _gwwRows.AsSpan(t * rp, r).CopyTo(_gww.AsSpan(t * r, r));
                for (int j = 0; j < k; j++)
                    _gwa[t * k + j] = _gawRows[j * rp + t];
            }
        }
        // One step of iterative refinement: δa = (HᵀH)⁺ Hᵀr; the loss falls by δa · Hᵀr exactly.
        Span<double> delta = k <= 512 ? stackalloc double[k] : new double[k];
        Solve(_htr, delta);
        double decrease = VectorMath.Dot(delta, _htr);
        if (double.IsFinite(decrease) && decrease > 0.0)
        {
            TensorPrimitives.Add(a, delta, a);
            loss = Math.Max(loss - decrease, 0.0);
        }
        if (!blocks)
            return loss;

        // g at the refined a: J_wᵀ(r − H δa) = g − G_wa δa.
        for (int t = 0; t < r; t++)
            gradient[t] = _gw[t] - VectorMath.Dot(_gwa.AsSpan(t * k, k), delta);
        // S = G_ww − G_wa (HᵀH)⁺ G_waᵀ: reduction[t, u] = G_wa[u] · (HᵀH)⁺ G_wa[t], symmetrised.
        normal.Clear();
        for (int t = 0; t < r; t++)
        {
            Solve(_gwa.AsSpan(t * k, k), _column);
            for (int u = 0; u < r; u++)
                normal[u * r + t] = VectorMath.Dot(_gwa.AsSpan(u * k, k), _column);
        }
        for (int t = 0; t < r; t++)
            for (int u = t; u < r; u++)
            {
                double reduction = 0.5 * (normal[t * r + u] + normal[u * r + t]);
                normal[t * r + u] = _gww[t * r + u] - reduction;
                normal[u * r + t] = _gww[u * r + t] - reduction;
            }
        return loss;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override double SumOfSquares(ReadOnlySpan<double> w, ReadOnlySpan<double> a)
    {
        double loss = 0.0;
        for (int i = 0; i < _rows; i++)
        {
            Hidden(i, w);
            double residual = _data.Label(i) - VectorMath.Dot(a, _h);
            loss += residual * residual;
        }
        return loss;
    }

    /// <summary>z_j = w · P_j x_i (the kernel's pre-activations) and h_j = σ(z_j) for row i.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Hidden(int i, ReadOnlySpan<double> w)
    {
        _kernel.PreActivations(w, _data.Input(i), _z);
        for (int j = 0; j < _k; j++)
            _h[j] = _activation.Apply(_z[j]);
    }

    /// <summary>n rounded up to a whole number of 512-bit vectors of doubles (8), whatever the machine has: the padding never changes a result.</summary>
    private static int Padded(int n) => (n + 7) / 8 * 8;

    /// <summary>The z of row i kept by the first pass.</summary>
    private Span<double> ZRow(int i) => _zRows is null ? Span<double>.Empty : _zRows.AsSpan(i * _k, _k);

    /// <summary>
    /// Prepares the solver for (HᵀH) x = b: Cholesky of HᵀH with a ridge of 1e−13 of its mean
    /// diagonal (which keeps dead hidden units, zero columns of H, solvable; the refinement step
    /// corrects the bias it adds), or, when that fails, the Moore–Penrose pseudo-inverse by
    /// eigendecomposition (rare: kept on the general matrix library).
    /// </summary>
    private void Factor(double[] matrix, int k)
    {
        if (!Guard.AreFinite(matrix))
        {
            _solver = SolverKind.NotFinite;
            return;
        }
        double trace = 0.0;
        for (int j = 0; j < k; j++)
            trace += matrix[j * k + j];
        double ridge = 1e-13 * trace / k + double.Epsilon;
        matrix.CopyTo(_factor, 0);
        for (int j = 0; j < k; j++)
            _factor[j * k + j] += ridge;
        if (Cholesky.TryFactor(_factor, k))
        {
            _solver = SolverKind.Cholesky;
            return;
        }
        Matrix<double> m = Matrix<double>.Build.Dense(k, k, (i, j) => matrix[i * k + j]);
        var evd = m.Evd(Symmetricity.Symmetric);
        Vector<double> lambda = evd.EigenValues.Map(z => z.Real);
        double floor = k * 1e-15 * Math.Max(lambda.Maximum(), 0.0);
        Vector<double> inverse = lambda.Map(l => l > floor && l > 0.0 ? 1.0 / l : 0.0);
        Matrix<double> v = evd.EigenVectors;
        Matrix<double> pseudoInverse = v * Matrix<double>.Build.DiagonalOfDiagonalVector(inverse) * v.Transpose();
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++)
                _factor[i * k + j] = pseudoInverse[i, j];
        _solver = SolverKind.PseudoInverse;
    }

    /// <summary>destination = (HᵀH)⁺ b with the solver of the last <see cref="Factor"/>.</summary>
    private void Solve(ReadOnlySpan<double> b, Span<double> destination)
    {
        int k = _k;
        switch (_solver)
        {
            case SolverKind.Cholesky:
                Cholesky.Solve(_factor, k, b, destination);
                break;
            case SolverKind.PseudoInverse:
                for (int i = 0; i < k; i++)
                    destination[i] = VectorMath.Dot(_factor.AsSpan(i * k, k), b);
                break;
            default:
                destination.Fill(double.NaN);
                break;
        }
    }
}
