using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Convotron.Generator.Tests;

/// <summary>Runs <see cref="ConvNetGenerator"/> in memory, against offline .NET 10 reference assemblies and the runtime.</summary>
internal static class GeneratorHarness
{
    private static readonly Lazy<MetadataReference[]> s_references = new(() =>
    [
        .. Basic.Reference.Assemblies.Net100.References.All,
        MetadataReference.CreateFromFile(typeof(IConvNet).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(System.Numerics.Tensors.TensorPrimitives).Assembly.Location),
    ]);

    public static readonly CSharpParseOptions LatestParseOptions = new(LanguageVersion.Latest);

    public static CSharpCompilation CreateCompilation(params string[] sources) =>
        CSharpCompilation.Create(
            "Consumer",
            sources.Select((source, i) => CSharpSyntaxTree.ParseText(source, LatestParseOptions, path: $"Source{i}.cs")),
            s_references.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver CreateDriver(bool trackSteps = true) =>
        CSharpGeneratorDriver.Create(
            [new ConvNetGenerator().AsSourceGenerator()],
            parseOptions: LatestParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    public sealed record Run(GeneratorDriver Driver, GeneratorDriverRunResult Result, Compilation Output, ImmutableArray<Diagnostic> DriverDiagnostics)
    {
        /// <summary>The generator's own diagnostics (CNV…).</summary>
        public ImmutableArray<Diagnostic> GeneratorDiagnostics => Result.Diagnostics;

        public string Source(string hintName) =>
            Result.Results.Single().GeneratedSources.Single(source => source.HintName == hintName).SourceText.ToString();

        /// <summary>Compiler errors and warnings of the compilation with the generated code.</summary>
        public IReadOnlyList<Diagnostic> CompilationProblems() =>
            Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
    }

    public static Run RunGenerator(params string[] sources) => RunGenerator(CreateCompilation(sources));

    public static Run RunGenerator(Compilation compilation, GeneratorDriver? driver = null)
    {
        driver ??= CreateDriver();
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> diagnostics);
        return new Run(driver, driver.GetRunResult(), output, diagnostics);
    }

    /// <summary>(line, column), both 1-based, of the first occurrence of <paramref name="text"/>.</summary>
    public static (int Line, int Column) Position(string source, string text, int occurrence = 0)
    {
        int index = -1;
        for (int i = 0; i <= occurrence; i++)
        {
            index = source.IndexOf(text, index + 1, StringComparison.Ordinal);
            if (index < 0)
                throw new ArgumentException($"'{text}' not found in the source.");
        }
        string before = source[..index];
        int line = before.Count(c => c == '\n') + 1;
        int column = index - (before.LastIndexOf('\n') + 1) + 1;
        return (line, column);
    }

    public static (int Line, int Column) Start(Diagnostic diagnostic)
    {
        var span = diagnostic.Location.GetLineSpan();
        return (span.StartLinePosition.Line + 1, span.StartLinePosition.Character + 1);
    }
}
