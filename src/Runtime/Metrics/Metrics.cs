using System;
using System.Numerics.Tensors;

namespace Convotron;

/// <summary>The measures the papers and the project report.</summary>
public static class Metrics
{
    /// <summary>The mean squared error (1/n) Σ (f(x_i) − y_i)² of a model on a data set.</summary>
    public static double MeanSquaredError(IConvNet model, DataSet data)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        Guard.Length(data.InputSize, model.Geometry.InputSize, "d");
        double sum = 0.0;
        for (int n = 0; n < data.Count; n++)
        {
            double e = model.Predict(data.Input(n)) - data.Label(n);
            sum += e * e;
        }
        return sum / data.Count;
    }

    /// <summary>The MSE divided by Var(y): comparable across strides and distributions (1 is the error of predicting the mean).</summary>
    public static double RelativeMeanSquaredError(IConvNet model, DataSet data) => Relative(MeanSquaredError(model, data), data);

    /// <summary>An MSE on <paramref name="data"/> divided by its Var(y); the MSE itself when Var(y) = 0.</summary>
    internal static double Relative(double mse, DataSet data) => data.LabelVariance > 0.0 ? mse / data.LabelVariance : mse;

    /// <summary>The sign-free angle arccos(|a·b| / (‖a‖‖b‖)) in radians, in [0, π/2]; π/2 when either vector is 0.</summary>
    public static double Angle(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        Guard.Length(b.Length, a.Length, "a.Length");
        double norms = VectorMath.Norm(a) * VectorMath.Norm(b);
        if (!(norms > 0.0))
            return Math.PI / 2;
        double cos = Math.Abs(VectorMath.Dot(a, b)) / norms;
        return Math.Acos(Math.Min(1.0, cos));
    }

    /// <summary>
    /// The scale- and sign-aware parameter error ‖w aᵀ − w* a*ᵀ‖_F / ‖w* a*ᵀ‖_F, computed entry by
    /// entry so that it resolves errors down to machine precision.
    /// </summary>
    public static double ParameterError(ReadOnlySpan<double> filter, ReadOnlySpan<double> outputWeights,
                                        ReadOnlySpan<double> teacherFilter, ReadOnlySpan<double> teacherOutputWeights)
    {
        Guard.Length(teacherFilter.Length, filter.Length, "r");
        Guard.Length(teacherOutputWeights.Length, outputWeights.Length, "k");
        double difference = 0.0, reference = 0.0;
        for (int t = 0; t < filter.Length; t++)
        {
            for (int j = 0; j < outputWeights.Length; j++)
            {
                double target = teacherFilter[t] * teacherOutputWeights[j];
                double e = filter[t] * outputWeights[j] - target;
                difference += e * e;
                reference += target * target;
            }
        }
        return reference > 0.0 ? Math.Sqrt(difference / reference) : Math.Sqrt(difference);
    }
}
