using System;
using System.IO;
using System.Linq;
using System.Text;
using Xunit;

namespace Convotron.Tests;

public class MetricsTests
{
    [Fact]
    public void AngleIsSignFree()
    {
        Assert.Equal(0, Metrics.Angle([1, 2], [-2, -4]), 7);
        Assert.Equal(Math.PI / 2, Metrics.Angle([1, 0], [0, 3]), 12);
        Assert.Equal(Math.PI / 4, Metrics.Angle([1, 0], [-1, 1]), 12);
        Assert.Equal(Math.PI / 2, Metrics.Angle([0, 0], [1, 1]));
    }

    [Fact]
    public void ParameterErrorIsScaleInvariantButSignAware()
    {
        double[] w = [1, -2, 3], a = [0.5, 2];
        Assert.Equal(0, Metrics.ParameterError(w.Select(v => 4 * v).ToArray(), a.Select(v => v / 4).ToArray(), w, a), 15);
        Assert.Equal(2, Metrics.ParameterError(w.Select(v => -v).ToArray(), a, w, a), 12);
        // Resolves tiny errors: a 1e-14 relative perturbation reads as ~1e-14, not as rounding noise.
        double[] close = [1 + 1e-14, -2, 3];
        Assert.InRange(Metrics.ParameterError(close, a, w, a), 1e-15, 1e-13);
    }

    [Fact]
    public void RelativeMseDividesByTheLabelVariance()
    {
        var geometry = PatchGeometry.Strided1D(2, 2, 4);
        var model = new DynamicConvNet(geometry, Activation.Linear, [1, 0], [1, 0]);
        var data = new DataSet(4, [1, 0, 0, 0, 3, 0, 0, 0], [0, 0]);   // predictions 1 and 3, labels 0
        Assert.Equal(5, Metrics.MeanSquaredError(model, data));
        Assert.Equal(5, Metrics.RelativeMeanSquaredError(model, data));  // Var(y) = 0: the plain MSE
    }

    [Theory]
    [InlineData("1d:r=16,s=9,d=160")]
    [InlineData("1d:r=16,s=12,d=160")]
    [InlineData("1d:r=16,s=16,d=160")]
    [InlineData("1d:r=4,s=1,d=10")]
    [InlineData("2d:rh=4,rw=4,sh=3,sw=3,height=12,width=12")]
    public void GeometryReportMatchesTheDefinitionAndTheBound(string spec)
    {
        var g = PatchGeometry.Parse(spec);
        var a = Reference.Random(new Xoshiro256StarStar(3), g.PatchCount);
        var report = GeometryReport.Compute(g, a);
        // Σ_{i,j} a_i a_j P_i P_jᵀ entry by entry: (P_i P_jᵀ)[t, u] = 1 when P_i[t] = P_j[u].
        int r = g.FilterSize;
        var m = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(r, r);
        for (int i = 0; i < g.PatchCount; i++)
            for (int j = 0; j < g.PatchCount; j++)
                for (int t = 0; t < r; t++)
                    for (int u = 0; u < r; u++)
                        if (g.Patch(i)[t] == g.Patch(j)[u])
                            m[t, u] += a[i] * a[j];
        var eigen = m.Evd().EigenValues.Select(z => z.Real).ToArray();
        Assert.Equal(eigen.Min(), report.MinEigenvalue, 1e-9);
        Assert.Equal(eigen.Max(), report.MaxEigenvalue, 1e-9);

        var pooled = GeometryReport.ForAveragePooling(g);
        if (pooled.DuGoelLowerBound is double bound)
            Assert.True(pooled.MinEigenvalue >= bound * (1 - 1e-12), $"λ_min {pooled.MinEigenvalue} below Du & Goel's bound {bound}");
        Assert.Equal(g.UnreadCoordinates, report.UnreadCoordinates);
    }

    [Fact]
    public void ModelFilesRoundTripExactly()
    {
        string folder = Directory.CreateTempSubdirectory("convotron-model").FullName;
        var rng = new Xoshiro256StarStar(1);
        foreach (var geometry in new[] { PatchGeometry.Strided1D(16, 9, 160), PatchGeometry.Strided2D(4, 4, 3, 3, 28, 28), PatchGeometry.FromPatches(6, [[0, 5], [3, 1]]) })
        {
            var model = new DynamicConvNet(geometry, Activation.Leaky(0.1), Reference.Random(rng, geometry.FilterSize), Reference.Random(rng, geometry.PatchCount));
            var pre = new Preprocessing(Reference.Random(rng, geometry.InputSize), 1.7, 0.3, 2.5);
            string path = Path.Combine(folder, "model.json");
            ModelFile.Save(path, model, pre);
            var loaded = ModelFile.Load(path);
            Assert.Equal(geometry, loaded.Model.Geometry);
            Assert.Equal(model.Activation, loaded.Model.Activation);
            Assert.Equal(model.Filter.ToArray(), loaded.Model.Filter.ToArray());
            Assert.Equal(model.OutputWeights.ToArray(), loaded.Model.OutputWeights.ToArray());
            Assert.Equal(pre.InputMean.ToArray(), loaded.Preprocessing!.InputMean.ToArray());
            Assert.Equal(2.5, loaded.Preprocessing.LabelScale);
            Assert.Empty(Directory.GetFiles(folder, "*.tmp"));
        }
    }

    [Theory]
    [InlineData("{\"format\": \"convotron-model\",\n \"version\": 1,\n \"geometry\": {\"spec\": \"1d:r=2,s=2,d=4\"}, \"alpha\": 0, \"filter\": [1, 2, 3], \"outputWeights\": [1, 1]}", "'filter' has 3 entries but geometry 1d:r=2,s=2,d=4 has r = 2")]
    [InlineData("{\"format\": \"convotron-model\", \"version\": 1, \"geometry\": {\"spec\": \"1d:r=2,s=2,d=4\"}, \"alpha\": 0, \"filter\": [1, 2], \"outputWeights\": [1]}", "has k = 2")]
    [InlineData("{\"format\": \"convotron-model\", \"version\": 1, \"geometry\": {\"spec\": \"1d:r=2,s=2,d=4\"}, \"alpha\": 7, \"filter\": [1, 2], \"outputWeights\": [1, 1]}", "[0, 1]")]
    [InlineData("{\"format\": \"other\"}", "expected 'convotron-model'")]
    [InlineData("{\"format\": \"convotron-model\", \"version\": 1}", "'geometry' is missing")]
    [InlineData("{\"format\": \"convotron-model\",\n \"version\": 1,\n \"geometry\": {\"spec\": \"1d:r=2,s=2,d=4\"},\n \"alpha\": 0, \"filter\": [1, 2,", "line 4, column")]
    public void MalformedModelFilesAreRefusedWithTheFileAndPlace(string json, string message)
    {
        var e = Assert.Throws<InvalidFileException>(() => ModelFile.FromJson(Encoding.UTF8.GetBytes(json), "bad.json"));
        Assert.StartsWith("bad.json", e.Message, StringComparison.Ordinal);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    private const string Head = "{\"format\": \"convotron-model\", \"version\": 2, \"geometry\": {\"spec\": \"1d:r=2,s=2,d=4\"}, ";

    private const string Pre = "\"preprocessing\": {\"inputMean\": [0, 0, 0, 0], \"inputScale\": 1, \"labelMean\": 0, \"labelScale\": 1}";

    /// <summary>Issue 19: a value of the wrong type or range is named by its JSON path, its value and what is expected; never .NET's "requires an element of type 'Number'".</summary>
    [Theory]
    [InlineData(Head + "\"alpha\": \"relu\", \"filter\": [1, 2], \"outputWeights\": [1, 1], " + Pre + "}", "'alpha' is the string \"relu\"; expected the activation slope, a number in [0, 1]")]
    [InlineData("{\"format\": \"convotron-model\", \"version\": \"2\"}", "'version' is the string \"2\"; expected 1 or 2")]
    [InlineData("{\"format\": \"convotron-model\", \"version\": 3}", "'version' is the number 3; expected 1 or 2")]
    [InlineData("{\"format\": 7}", "'format' is the number 7; expected the string \"convotron-model\"")]
    [InlineData(Head + "\"alpha\": 0, \"filter\": [1, \"x\"], \"outputWeights\": [1, 1], " + Pre + "}", "'filter[1]' is the string \"x\"; expected a finite number")]
    [InlineData(Head + "\"alpha\": 0, \"filter\": [1e400, 1], \"outputWeights\": [1, 1], " + Pre + "}", "'filter[0]' is 1e400, beyond the range of a double")]
    [InlineData(Head + "\"alpha\": 0, \"filter\": 1, \"outputWeights\": [1, 1], " + Pre + "}", "'filter' is the number 1; expected an array of finite numbers")]
    [InlineData("{\"format\": \"convotron-model\", \"version\": 2, \"geometry\": \"1d:r=2,s=2,d=4\"}", "'geometry' is the string \"1d:r=2,s=2,d=4\"; expected an object")]
    [InlineData("{\"format\": \"convotron-model\", \"version\": 2, \"geometry\": {\"d\": 2.5, \"patches\": []}}", "'geometry.d' is the number 2.5; expected the input size")]
    [InlineData("{\"format\": \"convotron-model\", \"version\": 2, \"geometry\": {\"d\": 4, \"patches\": [[0, 1], [2, 9]]}}", "'geometry.patches[1][1]' is the number 9; expected an input index in [0, d − 1] = [0, 3]")]
    [InlineData(Head + "\"alpha\": 0, \"filter\": [1, 2], \"outputWeights\": [1, 1], \"preprocessing\": {\"inputMean\": [0, 0, 0, 0], \"inputScale\": -1, \"labelMean\": 0, \"labelScale\": 1}}", "'preprocessing.inputScale' is -1; expected a finite number > 0")]
    [InlineData(Head + "\"alpha\": 0, \"filter\": [1, 2], \"outputWeights\": [1, 1], \"preprocessing\": {\"inputMean\": [0, 0, 0, 0], \"inputScale\": 1, \"labelMean\": \"0\", \"labelScale\": 1}}", "'preprocessing.labelMean' is the string \"0\"; expected a finite number")]
    [InlineData(Head + "\"alpha\": 0, \"filter\": [1, 2], \"outputWeights\": [1, 1], \"preprocessing\": [1]}", "'preprocessing' is an array; expected an object")]
    [InlineData(Head + "\"alpha\": 0, \"filter\": [1, 2], \"outputWeights\": [1, 1], " + Pre + ", \"label\": {\"column\": \"y\", \"columns\": 5}}", "'label.column' is the string \"y\"; expected the label's 0-based column")]
    [InlineData(Head + "\"alpha\": 0, \"filter\": [1, 2], \"outputWeights\": [1, 1]}", "the property 'preprocessing' is missing; version 2 files always have it")]
    public void ModelFileValuesOfTheWrongTypeOrRangeAreNamedByTheirPath(string json, string message)
    {
        var e = Assert.Throws<InvalidFileException>(() => ModelFile.FromJson(Encoding.UTF8.GetBytes(json), "bad.json"));
        Assert.StartsWith("bad.json: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("element of type", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Issue 19: a repeated key is refused at its line and column (the last value silently won).</summary>
    [Fact]
    public void RepeatedKeysAreRefusedAtTheirPlace()
    {
        string json = Head + "\n\"alpha\": 0,\n\"filter\": [1, 2], \"outputWeights\": [1, 1],\n\"alpha\": 1, " + Pre + "}";
        var e = Assert.Throws<InvalidFileException>(() => ModelFile.FromJson(Encoding.UTF8.GetBytes(json), "twice.json"));
        Assert.StartsWith("twice.json:line 4, column 1: the key 'alpha' appears a second time in the same object", e.Message, StringComparison.Ordinal);
        // The same key in different objects is fine.
        Assert.NotNull(ModelFile.FromJson(Encoding.UTF8.GetBytes(Head + "\"alpha\": 0, \"filter\": [1, 2], \"outputWeights\": [1, 1], " + Pre + ", \"label\": {\"name\": \"alpha\", \"column\": 4, \"columns\": 5, \"x\": {\"column\": 1}}}")).Label);
    }

    /// <summary>
    /// Found by fuzzing (scripts/fuzz.sh, model target): the JSON parser checks structure only, so a key
    /// whose bytes are not UTF-8 made the repeated-key check throw .NET's InvalidOperationException; it is
    /// a bad file, named with its place. Invalid UTF-8 in a string value is refused the same way.
    /// </summary>
    [Fact]
    public void KeysAndValuesThatAreNotUtf8AreRefusedAtTheirPlace()
    {
        byte[] head = Encoding.UTF8.GetBytes("{\"format\": \"convotron-model\",\n\"");
        byte[] badKey = [.. head, 0x80, 0x87, .. Encoding.UTF8.GetBytes("\": 1}")];
        var e = Assert.Throws<InvalidFileException>(() => ModelFile.FromJson(badKey, "key.json"));
        Assert.StartsWith("key.json:line 2, column 1: a key is not valid UTF-8 text", e.Message, StringComparison.Ordinal);
        byte[] badValue = [.. Encoding.UTF8.GetBytes("{\"format\": \""), 0xC3, 0x28, .. Encoding.UTF8.GetBytes("\", \"version\": 1}")];
        Assert.Throws<InvalidFileException>(() => ModelFile.FromJson(badValue, "value.json"));
    }

    /// <summary>
    /// Issue 19: files written now always say "preprocessing" (null for none), and a version-2 file
    /// without it is refused (above); version-1 files, which left it out for models without one, still load.
    /// </summary>
    [Fact]
    public void PreprocessingIsAlwaysWrittenAndOnlyVersionOneFilesMayOmitIt()
    {
        var model = new DynamicConvNet(PatchGeometry.Strided1D(2, 2, 4), Activation.ReLU, [1.0, 2.0], [1.0, 1.0]);
        string json = ModelFile.ToJson(model);
        Assert.Contains("\"version\": 2", json, StringComparison.Ordinal);
        Assert.Contains("\"preprocessing\": null", json, StringComparison.Ordinal);
        Assert.Null(ModelFile.FromJson(Encoding.UTF8.GetBytes(json)).Preprocessing);
        string versionOne = "{\"format\": \"convotron-model\", \"version\": 1, \"geometry\": {\"spec\": \"1d:r=2,s=2,d=4\"}, \"alpha\": 0, \"filter\": [1, 2], \"outputWeights\": [1, 1]}";
        LoadedModel old = ModelFile.FromJson(Encoding.UTF8.GetBytes(versionOne));
        Assert.Null(old.Preprocessing);
        Assert.Equal([1.0, 2.0], old.Model.Filter.ToArray());
        string folder = Directory.CreateTempSubdirectory("convotron-model-dir").FullName;
        var directory = Assert.Throws<InvalidFileException>(() => ModelFile.Load(folder));
        Assert.Contains("this is a directory; expected a model file", directory.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AtomicWritesLeaveTheOldFileWhenTheWriterFails()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("convotron-atomic").FullName, "out.csv");
        AtomicFile.WriteAllText(path, "old");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s =>
        {
            s.Write("partial"u8);
            throw new InvalidOperationException("killed");
        }));
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
    }
}
