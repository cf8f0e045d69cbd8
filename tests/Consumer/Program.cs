using System;
using System.Globalization;
using Convotron;
using Convotron.Generated;

namespace Consumer;

/// <summary>The paper's geometry, compiled by the packaged generator.</summary>
[ConvNet(r: 16, s: 9, d: 160)]
public partial class Net160;

[ConvNet2D(rh: 4, rw: 4, sh: 3, sw: 3, height: 28, width: 28, alpha: 0.1)]
internal sealed partial class Mnist;

public static class Program
{
    public static int Main()
    {
        int failures = 0;
        failures += Compare(new Net160(), new DynamicConvNet(PatchGeometry.Strided1D(16, 9, 160), Activation.ReLU));
        failures += Compare(new Mnist(), new DynamicConvNet(PatchGeometry.Strided2D(4, 4, 3, 3, 28, 28), Activation.Leaky(0.1)));

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"registry: {ConvNetRegistry.Models.Count} models"));
        foreach (ConvNetModelInfo model in ConvNetRegistry.Models)
        {
            IConvNet created = model.Create();
            Console.WriteLine($"registry: {model}");
            if (created.Geometry != model.Geometry || created.Activation != model.Activation)
                failures++;
        }
        if (ConvNetRegistry.Models.Count != 2)
            failures++;

        Console.WriteLine(failures == 0 ? "consumer: OK" : $"consumer: {failures} failures");
        return failures == 0 ? 0 : 1;
    }

    private static int Compare(IConvNet generated, DynamicConvNet dynamic)
    {
        Span<double> w = dynamic.Filter, a = dynamic.OutputWeights;
        for (int t = 0; t < w.Length; t++)
            w[t] = Math.Sin(t + 1.0);
        for (int j = 0; j < a.Length; j++)
            a[j] = Math.Cos(j + 0.5) / a.Length;
        w.CopyTo(generated.Filter);
        a.CopyTo(generated.OutputWeights);
        var x = new double[dynamic.Geometry.InputSize];
        for (int i = 0; i < x.Length; i++)
            x[i] = Math.Sin(0.37 * i);

        double expected = dynamic.Predict(x), actual = generated.Predict(x);
        // The scale of the sum: Σ_j |a_j| Σ_t |w_t x_{P_j[t]}|.
        double scale = 0.0;
        for (int j = 0; j < a.Length; j++)
        {
            ReadOnlySpan<int> patch = dynamic.Geometry.Patch(j);
            double patchScale = 0.0;
            for (int t = 0; t < patch.Length; t++)
                patchScale += Math.Abs(w[t] * x[patch[t]]);
            scale += Math.Abs(a[j]) * patchScale;
        }
        bool equal = Math.Abs(actual - expected) <= 1e-12 * scale;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{generated.GetType().Name} {generated.Geometry}: generated {actual:R}, dynamic {expected:R}, {(equal ? "equal" : "DIFFERENT")}"));
        return equal ? 0 : 1;
    }
}
