using System;
using System.Numerics.Tensors;
using MathNet.Numerics.LinearAlgebra;

namespace Convotron;

/// <summary>The preprocessing decisions of <see cref="ConvNetFit"/>: the χ² test of a zero input mean, and the fitted centring, scale and whitening.</summary>
internal static class FitPreprocessing
{
    /// <summary>
    /// Whether the input mean is zero within sampling error: χ² = Σ_c n·mean_c²/var_c, against the
    /// 0.999 quantile of χ²_d (Wilson–Hilferty). Returns the statistic and the threshold.
    /// </summary>
    internal static (double ChiSquare, double Threshold) MeanTest(ReadOnlySpan<double> x, int n, int d)
    {
        // Per-coordinate sums, row by row in element-wise vector operations (the same bits on every width).
        // (Multiply, then Add: MultiplyAdd may or may not fuse depending on the hardware.)
        var mean = new double[d];
        var squares = new double[d];
        var square = new double[d];
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<double> row = x.Slice(i * d, d);
            TensorPrimitives.Add(mean, row, mean);
            TensorPrimitives.Multiply(row, row, square);
            TensorPrimitives.Add(squares, square, squares);
        }
        double chiSquare = 0.0;
        for (int c = 0; c < d; c++)
        {
            double m = mean[c] / n;
            double variance = squares[c] / n - m * m;
            if (variance > 1e-300)
                chiSquare += n * m * m / variance;
            else if (m != 0.0)
                chiSquare = double.PositiveInfinity;
        }
        const double z = 3.090232306167813; // the standard normal's 0.999 quantile
        double h = 2.0 / (9.0 * d);
        double threshold = d * Math.Pow(1.0 - h + z * Math.Sqrt(h), 3);
        return (chiSquare, threshold);
    }

    /// <summary>
    /// Centre each input coordinate and divide by one global scale (the root of the mean coordinate
    /// variance), so the inputs have unit average variance and weight sharing is kept. Labels are
    /// only scaled (by their root mean square), never centred: the network has no bias, and a
    /// positively homogeneous σ makes a scaled target as learnable as the original.
    /// </summary>
    /// <exception cref="ArgumentException">A scale overflows (parameter "inputs" or "labels").</exception>
    internal static Preprocessing Fit(ReadOnlySpan<double> x, ReadOnlySpan<double> y, int d, bool center, bool whiten)
    {
        int n = y.Length;
        var mean = new double[d];
        if (center)
        {
            for (int i = 0; i < n; i++)
                TensorPrimitives.Add(mean, x.Slice(i * d, d), mean);
            TensorPrimitives.Divide(mean, n, mean);
        }
        // Σ (x − mean)² per coordinate, row by row in element-wise vector operations, then over the coordinates.
        var squares = new double[d];
        var centred = new double[d];
        for (int i = 0; i < n; i++)
        {
            TensorPrimitives.Subtract(x.Slice(i * d, d), mean, centred);
            TensorPrimitives.Multiply(centred, centred, centred);
            TensorPrimitives.Add(squares, centred, squares);
        }
        double variance = 0.0;
        foreach (double square in squares)
            variance += square;
        variance /= (double)n * d;
        double scale = variance > 0.0 ? Math.Sqrt(variance) : 1.0;
        double labelSquares = 0.0;
        foreach (double v in y)
            labelSquares += v * v;
        double labelScale = labelSquares > 0.0 ? Math.Sqrt(labelSquares / n) : 1.0;
        // A value near 1e308 (or 1e200, whose square overflows) makes a scale infinite: bad data, refused by the caller with its place.
        if (!double.IsFinite(scale) || !double.IsFinite(variance) || !TensorPrimitives.IsFiniteAll<double>(mean))
            throw new ArgumentException("The inputs' mean square overflows double precision (about 1.8e308): they cannot be standardised; rescale them.", "inputs");
        if (!double.IsFinite(labelScale))
            throw new ArgumentException("The labels' mean square overflows double precision (about 1.8e308): they cannot be standardised; rescale them.", "labels");
        if (!whiten)
            return new Preprocessing(mean, scale, 0.0, labelScale);
        Matrix<double> covariance = Matrix<double>.Build.Dense(d, d);
        for (int i = 0; i < n; i++)
            for (int a = 0; a < d; a++)
                for (int b = 0; b < d; b++)
                    covariance[a, b] += (x[i * d + a] - mean[a]) * (x[i * d + b] - mean[b]) / (scale * scale * n);
        var evd = covariance.Evd(MathNet.Numerics.LinearAlgebra.Symmetricity.Symmetric);
        Vector<double> lambda = evd.EigenValues.Map(z => z.Real);
        double floor = 1e-10 * Math.Max(lambda.Maximum(), 1e-300);
        Matrix<double> inverseRoot = evd.EigenVectors * Matrix<double>.Build.DiagonalOfDiagonalVector(lambda.Map(l => 1.0 / Math.Sqrt(Math.Max(l, floor)))) * evd.EigenVectors.Transpose();
        var whitening = new double[d * d];
        for (int a = 0; a < d; a++)
            for (int b = 0; b < d; b++)
                whitening[a * d + b] = inverseRoot[a, b];
        return new Preprocessing(mean, scale, 0.0, labelScale, whitening);
    }
}
