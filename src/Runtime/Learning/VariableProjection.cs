using System;
using System.Numerics.Tensors;
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
/// <remarks>Not thread-safe: one instance per thread. Every sum runs in row order, so results are bit-identical across runs.</remarks>
internal sealed class VariableProjection
{
    private readonly DataSet _data;
    private readonly int[] _indices;
    private readonly Activation _activation;
    private readonly int _r, _k, _rows;
    private readonly double[] _patches, _z, _h, _c, _jw;
    private readonly double[] _hth, _hty, _htr, _gww, _gwa, _gw;
    private Func<Vector<double>, Vector<double>>? _solve;

    public VariableProjection(PatchGeometry geometry, Activation activation, DataSet data, int rows)
    {
        _data = data;
        _indices = geometry.Indices.ToArray();
        _activation = activation;
        _r = geometry.FilterSize;
        _k = geometry.PatchCount;
        _rows = rows;
        _patches = new double[_k * _r];
        _z = new double[_k];
        _h = new double[_k];
        _c = new double[_k];
        _jw = new double[_r];
        _hth = new double[_k * _k];
        _hty = new double[_k];
        _htr = new double[_k];
        _gww = new double[_r * _r];
        _gwa = new double[_r * _k];
        _gw = new double[_r];
        double squares = 0.0;
        ReadOnlySpan<double> y = data.Labels[..rows];
        for (int i = 0; i < rows; i++)
            squares += y[i] * y[i];
        LabelSquares = squares;
    }

    /// <summary>Σ y_i² over the rows used.</summary>
    public double LabelSquares { get; }

    /// <summary>The rows used (a prefix of the data set).</summary>
    public int Rows => _rows;

    /// <summary>
    /// Evaluates w: writes a*(w) into <paramref name="a"/> and returns the residual sum of squares;
    /// when <paramref name="gradient"/> is non-empty, also the reduced normal matrix S (r × r,
    /// row-major, into <paramref name="normal"/>) and the gradient g = J_wᵀ r at a*(w).
    /// </summary>
    public double Evaluate(ReadOnlySpan<double> w, Span<double> a, Span<double> normal, Span<double> gradient)
    {
        int r = _r, k = _k;
        // Pass 1: HᵀH (upper triangle) and Hᵀy.
        Array.Clear(_hth);
        Array.Clear(_hty);
        for (int i = 0; i < _rows; i++)
        {
            Hidden(i, w);
            double y = _data.Label(i);
            TensorPrimitives.MultiplyAdd(_h, y, _hty, _hty);
            for (int j = 0; j < k; j++)
            {
                double hj = _h[j];
                if (hj != 0.0)
                {
                    Span<double> row = _hth.AsSpan(j * k + j, k - j);
                    TensorPrimitives.MultiplyAdd(_h.AsSpan(j), hj, row, row);
                }
            }
        }
        for (int j = 0; j < k; j++)
            for (int l = j + 1; l < k; l++)
                _hth[l * k + j] = _hth[j * k + l];
        _solve = Solver(_hth, k);
        Solve(_hty, a);
        if (!AllFinite(a))
            return double.NaN;

        // Pass 2: exact residual at a₀, Hᵀr for one refinement step, and the Gauss–Newton blocks.
        bool blocks = !gradient.IsEmpty;
        Array.Clear(_htr);
        if (blocks)
        {
            Array.Clear(_gww);
            Array.Clear(_gwa);
            Array.Clear(_gw);
        }
        double loss = 0.0;
        for (int i = 0; i < _rows; i++)
        {
            Hidden(i, w);
            double residual = _data.Label(i) - TensorPrimitives.Dot<double>(a, _h);
            loss += residual * residual;
            TensorPrimitives.MultiplyAdd(_h, residual, _htr, _htr);
            if (!blocks)
                continue;
            for (int j = 0; j < k; j++)
                _c[j] = a[j] * _activation.Derivative(_z[j]);
            Array.Clear(_jw);
            for (int j = 0; j < k; j++)
            {
                if (_c[j] != 0.0)
                    TensorPrimitives.MultiplyAdd(_patches.AsSpan(j * r, r), _c[j], _jw, _jw);
            }
            TensorPrimitives.MultiplyAdd(_jw, residual, _gw, _gw);
            for (int t = 0; t < r; t++)
            {
                double jt = _jw[t];
                if (jt == 0.0)
                    continue;
                Span<double> row = _gww.AsSpan(t * r + t, r - t);
                TensorPrimitives.MultiplyAdd(_jw.AsSpan(t), jt, row, row);
                Span<double> cross = _gwa.AsSpan(t * k, k);
                TensorPrimitives.MultiplyAdd(_h, jt, cross, cross);
            }
        }
        // One step of iterative refinement: δa = (HᵀH)⁺ Hᵀr; the loss falls by δa · Hᵀr exactly.
        Span<double> delta = k <= 512 ? stackalloc double[k] : new double[k];
        Solve(_htr, delta);
        double decrease = TensorPrimitives.Dot<double>(delta, _htr);
        if (double.IsFinite(decrease) && decrease > 0.0)
        {
            TensorPrimitives.Add(a, delta, a);
            loss = Math.Max(loss - decrease, 0.0);
        }
        if (!blocks)
            return loss;

        for (int t = 0; t < r; t++)
            for (int u = t + 1; u < r; u++)
                _gww[u * r + t] = _gww[t * r + u];
        // g at the refined a: J_wᵀ(r − H δa) = g − G_wa δa.
        for (int t = 0; t < r; t++)
            gradient[t] = _gw[t] - TensorPrimitives.Dot<double>(_gwa.AsSpan(t * k, k), delta);
        // S = G_ww − G_wa (HᵀH)⁺ G_waᵀ.
        Matrix<double> gwa = Matrix<double>.Build.Dense(r, k, (t, j) => _gwa[t * k + j]);
        Matrix<double> reduction = gwa * Matrix<double>.Build.DenseOfColumnVectors(SolveColumns(gwa));
        for (int t = 0; t < r; t++)
            for (int u = 0; u < r; u++)
                normal[t * r + u] = _gww[t * r + u] - 0.5 * (reduction[t, u] + reduction[u, t]);
        return loss;
    }

    /// <summary>Σ (y_i − Σ_j a_j σ(w · P_j x_i))² over the rows, computed directly.</summary>
    public double SumOfSquares(ReadOnlySpan<double> w, ReadOnlySpan<double> a)
    {
        double loss = 0.0;
        for (int i = 0; i < _rows; i++)
        {
            Hidden(i, w);
            double residual = _data.Label(i) - TensorPrimitives.Dot<double>(a, _h);
            loss += residual * residual;
        }
        return loss;
    }

    /// <summary>z_j = w · P_j x_i and h_j = σ(z_j) for row i, keeping the gathered patches.</summary>
    private void Hidden(int i, ReadOnlySpan<double> w)
    {
        ReadOnlySpan<double> x = _data.Input(i);
        int r = _r;
        for (int m = 0; m < _patches.Length; m++)
            _patches[m] = x[_indices[m]];
        for (int j = 0; j < _k; j++)
        {
            double z = TensorPrimitives.Dot<double>(_patches.AsSpan(j * r, r), w);
            _z[j] = z;
            _h[j] = _activation.Apply(z);
        }
    }

    /// <summary>
    /// A solver for (HᵀH) x = b: Cholesky of HᵀH with a ridge of 1e−13 of its mean diagonal (which
    /// keeps dead hidden units, zero columns of H, solvable; the refinement step corrects the bias
    /// it adds), or, when that fails, the Moore–Penrose pseudo-inverse by eigendecomposition.
    /// </summary>
    private static Func<Vector<double>, Vector<double>> Solver(double[] matrix, int k)
    {
        if (!AllFinite(matrix))
            return b => Vector<double>.Build.Dense(k, double.NaN);
        Matrix<double> m = Matrix<double>.Build.Dense(k, k, (i, j) => matrix[i * k + j]);
        double trace = 0.0;
        for (int j = 0; j < k; j++)
            trace += matrix[j * k + j];
        double ridge = 1e-13 * trace / k + double.Epsilon;
        Matrix<double> ridged = m.Clone();
        for (int j = 0; j < k; j++)
            ridged[j, j] += ridge;
        try
        {
            var cholesky = ridged.Cholesky();
            return cholesky.Solve;
        }
        catch (ArgumentException)
        {
        }
        var evd = m.Evd(Symmetricity.Symmetric);
        Vector<double> lambda = evd.EigenValues.Map(z => z.Real);
        double floor = k * 1e-15 * Math.Max(lambda.Maximum(), 0.0);
        Vector<double> inverse = lambda.Map(l => l > floor && l > 0.0 ? 1.0 / l : 0.0);
        Matrix<double> v = evd.EigenVectors;
        Matrix<double> pseudoInverse = v * Matrix<double>.Build.DiagonalOfDiagonalVector(inverse) * v.Transpose();
        return b => pseudoInverse * b;
    }

    private void Solve(ReadOnlySpan<double> b, Span<double> destination)
    {
        Vector<double> x = _solve!(Vector<double>.Build.Dense(b.ToArray()));
        for (int i = 0; i < destination.Length; i++)
            destination[i] = x[i];
    }

    /// <summary>(HᵀH)⁻¹ G_waᵀ, one column per filter tap.</summary>
    private Vector<double>[] SolveColumns(Matrix<double> gwa)
    {
        var columns = new Vector<double>[gwa.RowCount];
        for (int t = 0; t < columns.Length; t++)
            columns[t] = _solve!(gwa.Row(t));
        return columns;
    }

    private static bool AllFinite(ReadOnlySpan<double> values)
    {
        foreach (double v in values)
            if (!double.IsFinite(v))
                return false;
        return true;
    }
}
