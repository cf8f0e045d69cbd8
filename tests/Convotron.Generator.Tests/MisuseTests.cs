using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;
using static Convotron.Generator.Tests.GeneratorHarness;

namespace Convotron.Generator.Tests;

/// <summary>
/// Misuses a new user makes, each a CNV diagnostic at the user's code and never an error inside the generated
/// file: records, names the generated class needs, an old language version, several bad arguments at once.
/// </summary>
public sealed class MisuseTests
{
    private static void AssertNothingGeneratedAndNoErrorInGeneratedCode(Run run)
    {
        DiagnosticTests.AssertNoCrash(run);
        Assert.Empty(run.Result.GeneratedTrees);
        Assert.DoesNotContain(run.Output.GetDiagnostics(), d => d.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true);
    }

    [Theory]
    [InlineData("record", "public partial record Net;")]
    [InlineData("record", "public partial record class Net;")]
    [InlineData("record struct", "public partial record struct Net;")]
    public void CNV0011_records_are_reported_on_the_identifier(string keyword, string declaration)
    {
        string source = "using Convotron;\n[ConvNet(r: 16, s: 9, d: 160)]\n" + declaration + "\n";
        Run run = RunGenerator(source);
        Diagnostic diagnostic = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "CNV0011");
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(Position(source, "Net;"), Start(diagnostic));
        Assert.Contains($"is a {keyword};", diagnostic.GetMessage(CultureInfo.InvariantCulture));
        AssertNothingGeneratedAndNoErrorInGeneratedCode(run);
    }

    [Theory]
    [InlineData("public double Predict(System.ReadOnlySpan<double> x) => 0;", "Predict", "a member")]
    [InlineData("public Net() { }", "Net()", "a constructor")]
    [InlineData("private const int R = 3;", "R", "a member")]
    [InlineData("private double[] _filter = new double[16];", "_filter", "a member")]
    [InlineData("private sealed class FilterBuffer { }", "FilterBuffer", "a nested type")]
    [InlineData("public int S { get; set; }", "S", "a member")]
    public void CNV0012_a_member_named_like_a_generated_one_is_reported_at_the_member(string member, string name, string what)
    {
        string source = "using Convotron;\nnamespace App;\n[ConvNet(r: 16, s: 9, d: 160)]\npublic partial class Net\n{\n    " + member + "\n}\n";
        Run run = RunGenerator(source);
        Diagnostic diagnostic = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "CNV0012");
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        string identifier = name.EndsWith("()", StringComparison.Ordinal) ? "Net()" : name;
        Assert.Equal(Position(source, identifier), Start(diagnostic));
        string message = diagnostic.GetMessage(CultureInfo.InvariantCulture);
        Assert.Contains($"declares {what} '{name}'", message);
        // The advice reads as a sentence for every kind of member (it once said "the user a member").
        Assert.EndsWith($"Rename or remove your declaration of '{name}'.", message, StringComparison.Ordinal);
        AssertNothingGeneratedAndNoErrorInGeneratedCode(run);
    }

    [Fact]
    public void Members_the_generated_class_does_not_need_are_fine()
    {
        // A constructor with parameters, an overload-free helper, S in a 2D model, and classes named like the
        // kernels' private helpers (they live in a file-local class now, out of reach).
        const string source = """
            using Convotron;
            namespace App;
            [ConvNet2D(4, 4, 3, 3, 28, 28)]
            public partial class Image
            {
                public Image(double scale) : this() { Filter[0] = scale; }
                public const int S = 2;
                public static int Twice(int x) => 2 * x;
            }
            [ConvNet(16, 9, 160)] public partial class Sigma;
            [ConvNet(16, 9, 160)] public partial class ActivatedSum;
            [ConvNet(16, 9, 160)] public partial class PatchDots;
            [ConvNet(16, 9, 160)] public partial class Accumulate16;
            """;
        Run run = RunGenerator(source);
        DiagnosticTests.AssertNoCrash(run);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompilationProblems());
    }

    [Fact]
    public void Every_name_the_generated_class_declares_is_in_the_one_table()
    {
        // 1D and 2D, with and without non-overlapping taps, inline and allocated buffers, one channel and several.
        const string source = """
            using Convotron;
            namespace App;
            [ConvNet(16, 9, 160)] public partial class A;
            [ConvNet2D(5, 5, 2, 2, 64, 48, 0.3)] public partial class B;
            [ConvNet(r: 10001, s: 6000, d: 20001)] public partial class C;
            [ConvNet2D(4, 4, 3, 3, 28, 28)] public partial class D2;
            [ConvNet(16, 9, 160, channels: 3)] public partial class E1;
            [ConvNet2D(4, 4, 3, 3, 28, 28, channels: 2)] public partial class E2;
            """;
        Run run = RunGenerator(source);
        Assert.Empty(run.CompilationProblems());
        foreach (string name in new[] { "A", "B", "C", "D2", "E1", "E2" })
        {
            INamedTypeSymbol type = run.Output.GetTypeByMetadataName("App." + name)!;
            var table = EmittedNames.ModelMembers(is2D: name is "B" or "D2" or "E2", hasChannels: name.StartsWith('E'))
                .Select(entry => entry.Name).ToHashSet();
            foreach (ISymbol member in type.GetMembers().Where(m => !m.IsImplicitlyDeclared))
            {
                string memberName = member is IMethodSymbol { MethodKind: MethodKind.Constructor } ? EmittedNames.Constructor : member.Name;
                if (member is IMethodSymbol { MethodKind: MethodKind.PropertyGet or MethodKind.PropertySet })
                    continue;
                if (member is IPropertySymbol { ExplicitInterfaceImplementations.Length: > 0 })
                    continue; // IConvNet.Kernel: an explicit implementation, which no user name can clash with
                Assert.True(table.Contains(memberName), $"{name}.{memberName} is generated but missing from EmittedNames");
            }
        }
    }

    [Theory]
    [InlineData(LanguageVersion.CSharp10)]
    [InlineData(LanguageVersion.CSharp11)]
    public void CNV0013_a_language_version_too_old_is_reported_at_the_attribute(LanguageVersion version)
    {
        const string source = "using Convotron;\nnamespace App\n{\n    [ConvNet(16, 9, 160)]\n    public partial class Net { }\n}\n";
        var options = new CSharpParseOptions(version);
        CSharpCompilation compilation = CreateCompilation().AddSyntaxTrees(CSharpSyntaxTree.ParseText(source, options, path: "Old.cs"));
        Run run = RunGenerator(compilation, CSharpGeneratorDriver.Create([new ConvNetGenerator().AsSourceGenerator()], parseOptions: options));
        Diagnostic diagnostic = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "CNV0013");
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(Position(source, "ConvNet("), Start(diagnostic));
        Assert.Contains("C# 12", diagnostic.GetMessage(CultureInfo.InvariantCulture));
        AssertNothingGeneratedAndNoErrorInGeneratedCode(run);
        Assert.DoesNotContain(run.Output.GetDiagnostics(), d => d.Id == "CS9058");
    }

    [Fact]
    public void CNV0013_not_reported_at_CSharp12()
    {
        const string source = "using Convotron;\nnamespace App\n{\n    [ConvNet(16, 9, 160)]\n    public partial class Net { }\n}\n";
        var options = new CSharpParseOptions(LanguageVersion.CSharp12);
        CSharpCompilation compilation = CreateCompilation().AddSyntaxTrees(CSharpSyntaxTree.ParseText(source, options, path: "Twelve.cs"));
        Run run = RunGenerator(compilation, CSharpGeneratorDriver.Create([new ConvNetGenerator().AsSourceGenerator()], parseOptions: options));
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompilationProblems());
    }

    [Theory]
    [InlineData("[ConvNet(r: -1, s: -5, d: -3)]", new[] { "r: -1", "s: -5", "d: -3" })]
    [InlineData("[ConvNet2D(rh: 0, rw: 9, sh: 0, sw: 1, height: 8, width: 8)]", new[] { "rh: 0", "rw: 9", "sh: 0" })]
    public void CNV0002_every_bad_argument_is_reported_at_its_argument(string attribute, string[] arguments)
    {
        string source = "using Convotron;\n" + attribute + "\npublic partial class Net;\n";
        Run run = RunGenerator(source);
        Diagnostic[] diagnostics = run.GeneratorDiagnostics.Where(d => d.Id == "CNV0002").OrderBy(d => d.Location.SourceSpan.Start).ToArray();
        Assert.Equal(arguments.Select(argument => Position(source, argument)), diagnostics.Select(Start));
        AssertNothingGeneratedAndNoErrorInGeneratedCode(run);
    }

    [Fact]
    public void Messages_are_culture_invariant_under_a_culture_with_U2212()
    {
        CultureInfo saved = CultureInfo.CurrentCulture, savedUi = CultureInfo.CurrentUICulture;
        try
        {
            var minus = (CultureInfo)CultureInfo.GetCultureInfo("sv-SE").Clone();
            minus.NumberFormat.NegativeSign = "\u2212";
            CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = minus;
            Assert.Equal("\u22121", (-1).ToString(CultureInfo.CurrentCulture)); // the culture really is in effect
            Run run = RunGenerator("using Convotron;\n[ConvNet(r: -1, s: -5, d: -3)]\npublic partial class Net;\n[ConvNet(16, 9, 160, -0.5)]\npublic partial class Slope;\n");
            string[] messages = run.GeneratorDiagnostics.Select(d => d.GetMessage(CultureInfo.CurrentCulture)).ToArray();
            Assert.Equal(4, messages.Length);
            Assert.Contains(messages, m => m.Contains("got -1.", StringComparison.Ordinal));
            Assert.Contains(messages, m => m.Contains("got -5.", StringComparison.Ordinal));
            Assert.Contains(messages, m => m.Contains("got -3.", StringComparison.Ordinal));
            Assert.Contains(messages, m => m.Contains("got -0.5.", StringComparison.Ordinal));
            Assert.All(messages, m => Assert.DoesNotContain("\u2212", m));
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
            CultureInfo.CurrentUICulture = savedUi;
        }
    }

    [Fact]
    public void Errors_cannot_be_silenced_and_every_descriptor_explains_itself()
    {
        var ids = new List<string>();
        for (int n = 1; n <= 13; n++)
        {
            string id = FormattableString.Invariant($"CNV{n:D4}");
            DiagnosticDescriptor descriptor = DiagnosticDescriptors.ById(id);
            ids.Add(id);
            Assert.Equal(FormattableString.Invariant($"https://github.com/convotron/convotron/blob/main/docs/diagnostics/{id}.md"), descriptor.HelpLinkUri);
            Assert.True(descriptor.Description.ToString(CultureInfo.InvariantCulture).Length > 80, id + " has no full description");
            Assert.Equal(descriptor.DefaultSeverity == DiagnosticSeverity.Error, descriptor.CustomTags.Contains(WellKnownDiagnosticTags.NotConfigurable));
        }

        // An attempt to silence CNV0002 (as an .editorconfig or <NoWarn> would) has no effect on an error.
        CSharpCompilation compilation = CreateCompilation("using Convotron;\n[ConvNet(r: 0, s: 9, d: 160)]\npublic partial class Net;\n");
        compilation = compilation.WithOptions(compilation.Options.WithSpecificDiagnosticOptions(
            new Dictionary<string, ReportDiagnostic> { ["CNV0002"] = ReportDiagnostic.Suppress }));
        Run run = RunGenerator(compilation);
        Assert.Contains(run.DriverDiagnostics, d => d.Id == "CNV0002" && d.Severity == DiagnosticSeverity.Error);

        // The control: the same option does silence a configurable (Info) diagnostic.
        compilation = CreateCompilation("using Convotron;\n[ConvNet(64, 33, 4096)]\npublic partial class Wide;\n");
        Assert.Contains(RunGenerator(compilation).DriverDiagnostics, d => d.Id == "CNV0008");
        compilation = compilation.WithOptions(compilation.Options.WithSpecificDiagnosticOptions(
            new Dictionary<string, ReportDiagnostic> { ["CNV0008"] = ReportDiagnostic.Suppress }));
        Assert.DoesNotContain(RunGenerator(compilation).DriverDiagnostics, d => d.Id == "CNV0008");
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.3)]
    [InlineData(1e-5)]
    [InlineData(4.9406564584124654E-324)]
    [InlineData(0.99999999999999989)]
    [InlineData(1.0 / 3.0)]
    public void Literal_round_trips(double value)
    {
        string literal = ConvNetGenerator.Literal(value);
        Assert.Equal(value, double.Parse(literal, NumberStyles.Float, CultureInfo.InvariantCulture));
        Assert.True(literal.IndexOfAny(['.', 'E', 'e']) >= 0, literal + " is not a double literal");
    }

    [Fact]
    public void Literal_round_trips_random_doubles()
    {
        var random = new Random(12);
        for (int i = 0; i < 10000; i++)
        {
            double value = BitConverter.Int64BitsToDouble(random.NextInt64(0, 0x3FF0000000000000)); // [0, 1)
            Assert.Equal(value, double.Parse(ConvNetGenerator.Literal(value), NumberStyles.Float, CultureInfo.InvariantCulture));
        }
    }
}
