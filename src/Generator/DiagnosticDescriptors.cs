using System;
using Microsoft.CodeAnalysis;

namespace Convotron.Generator
{
    /// <summary>
    /// The diagnostics of the Convotron generator. Errors stop a model from being generated and cannot be
    /// silenced (<see cref="WellKnownDiagnosticTags.NotConfigurable"/>: an invalid model has no code to fall
    /// back on); Info only explains what was generated. A valid model never triggers a Warning, because
    /// consumers build with warnings as errors. Each descriptor carries its full explanation in
    /// <see cref="DiagnosticDescriptor.Description"/> and links to its page under docs/diagnostics.
    /// </summary>
    internal static class DiagnosticDescriptors
    {
        private const string Category = "Convotron";

        /// <summary>The project's address: each diagnostic's help link is this plus docs/diagnostics/CNVxxxx.md.</summary>
        public const string ProjectUrl = "https://github.com/convotron/convotron";

        private const string HelpLinkBase = ProjectUrl + "/blob/main/docs/diagnostics/";

        public static readonly DiagnosticDescriptor ClassMustBePartial = Error(
            "CNV0001",
            "A [ConvNet] class must be partial",
            "'{0}' must be declared partial so the Convotron generator can add the model; add the 'partial' modifier{1}",
            "The generator adds the IConvNet members to the model class in a second partial declaration, so the class and every type containing it must be declared 'partial'. Add the modifier where the diagnostic points.");

        public static readonly DiagnosticDescriptor InvalidGeometry = Error(
            "CNV0002",
            "Invalid patch geometry",
            "The geometry of '{0}' is invalid. {1} Change the attribute argument '{2}'.",
            "The attribute's arguments must describe a valid strided geometry, checked by the same rules as PatchGeometry.Strided1D/2D: d ≥ 1, 1 ≤ r ≤ d, s ≥ 1 (2D: height, width ≥ 1 with height·width an int, 1 ≤ rh ≤ height, 1 ≤ rw ≤ width, sh, sw ≥ 1), and k·r at most 1,073,741,823 index entries. Every invalid argument is reported, each at the argument.");

        public static readonly DiagnosticDescriptor InvalidAlpha = Error(
            "CNV0003",
            "Activation slope alpha outside [0, 1]",
            "The activation slope alpha of '{0}' must be in [0, 1] (0 is ReLU, 1 is linear); got {1}. Use a value in [0, 1].",
            "The activation is the leaky ReLU σ(z) = z for z ≥ 0 and α·z otherwise; the algorithms' guarantees need α in [0, 1]. NaN is rejected too.");

        public static readonly DiagnosticDescriptor GenericTypeNotSupported = Error(
            "CNV0004",
            "Generic model classes are not supported",
            "'{0}' {1}; a [ConvNet] model must be a non-generic class outside any generic type. Remove the type parameters or move the class.",
            "A model compiles one fixed geometry into one class, and the registry creates it with 'new T()': a generic model class, or one nested in a generic type, has no single closed type to generate or list.");

        public static readonly DiagnosticDescriptor ConflictingAttributes = Error(
            "CNV0005",
            "[ConvNet] and [ConvNet2D] on one class",
            "'{0}' has both [ConvNet] and [ConvNet2D]; a class compiles exactly one geometry. Remove one of the attributes, or declare a second class.",
            "A model class compiles exactly one geometry; with both attributes the generator cannot know which one is meant and generates nothing.");

        public static readonly DiagnosticDescriptor UnreadCoordinates = Info(
            "CNV0006",
            "Input coordinates that no patch reads",
            "Geometry {0} of '{1}': {2} of the d = {3} input coordinates are read by no patch (a tail the stride does not reach, or gaps when s > r). This is legal; to use every coordinate, choose d so that s divides d − r and s ≤ r.",
            "Information only: some input coordinates are read by no patch, so the model ignores them. This is legal; choose d so that s divides d − r and s ≤ r to use every coordinate.");

        public static readonly DiagnosticDescriptor NoNonOverlappingPart = Info(
            "CNV0007",
            "No non-overlapping part: Algorithm 1 is unavailable",
            "Geometry {0} of '{1}' has no non-overlapping taps, so Du & Goel's stage 1 does not apply: the kernel's non-overlapping primitives (and so the Double Convotron rules) throw InvalidOperationException. The Convotron rules work; for Algorithm 1 use a stride s ≥ ⌊r/2⌋ + 1 on every axis.",
            "Information only: Du & Goel's Algorithm 1 needs filter taps that no two patches share. With stride s < ⌊r/2⌋ + 1 on some axis there are none, so the Double Convotron rules throw InvalidOperationException; the Convotron rules work.");

        public static readonly DiagnosticDescriptor LoopsInsteadOfUnrolling = Info(
            "CNV0008",
            "Geometry too large to unroll: loops emitted",
            "Geometry {0} of '{1}' has k·r = {2} patch terms, more than the {3} the generator unrolls; it emits constant-bound loops instead (still specialised and allocation-free). Nothing to fix unless you want full unrolling: use a smaller geometry.",
            "Information only: above 4096 patch terms the generator writes constant-bound loops instead of one line per patch, so the source and the JIT's work stay bounded. The code is still specialised and allocation-free.");

        public static readonly DiagnosticDescriptor NameCollidesWithConstant = Error(
            "CNV0009",
            "Model class named like a generated member",
            "The model class '{0}' is named like the member '{0}' the generator adds to it, and a member cannot share its class's name. Rename the class (e.g. '{0}Net').",
            "The generator adds constants (D, R, K, …), the IConvNet members and private helpers and buffer types to the model class; C# forbids a member named like its class (CS0542). The reserved names are listed on the help page.");

        public static readonly DiagnosticDescriptor ClassMustBeInstantiable = Error(
            "CNV0010",
            "A [ConvNet] class must be neither static nor abstract",
            "'{0}' is {1}, but a model is an IConvNet instance with a public parameterless constructor (Clone and the registry create it). Remove the '{1}' modifier.",
            "The generator writes a public parameterless constructor and Clone() creates a new instance, so a model class can be neither static nor abstract.");

        public static readonly DiagnosticDescriptor RecordNotSupported = Error(
            "CNV0011",
            "A [ConvNet] model must be a class, not a record",
            "'{0}' is a {1}; a [ConvNet] model must be a plain partial class. Declare it 'partial class {2}'.",
            "A record brings compiler-written equality, printing and a copy constructor over its fields; over a model's inline weight buffers these would be wrong or misleading, and a record struct cannot hold the model's state by reference. Declare the model as a plain partial class.");

        public static readonly DiagnosticDescriptor MemberCollidesWithGenerated = Error(
            "CNV0012",
            "A member of the model class clashes with a generated one",
            "'{0}' declares {1} '{2}', but the generator adds '{2}' to the class ({3}). Rename or remove your declaration of '{2}'.",
            "The generator adds constants, the IConvNet members, a public parameterless constructor and private helpers and buffer types to the model class. A user member or nested type of the same name would make the generated file fail to compile; the generator reports it at the user's declaration instead and generates nothing.");

        public static readonly DiagnosticDescriptor LanguageVersionTooOld = Error(
            "CNV0013",
            "The language version is too old for the generated code",
            "'{0}' is compiled with C# {1}, but the generated model needs C# {2} or later (inline arrays and file-local types). Set <LangVersion>{2}</LangVersion> or later (the .NET 8+ default), or remove the attribute.",
            "The generated code keeps the weights in inline arrays (C# 12) and its helpers in a file-local class (C# 11). With an older LangVersion it would fail inside the generated file, so the generator reports it at the attribute and generates nothing.");

        public static readonly DiagnosticDescriptor InvalidChannels = Error(
            "CNV0014",
            "Invalid channel count",
            "The channel count of '{0}' is invalid. {1} Change the attribute argument 'channels'.",
            "The channels argument must be at least 1, and the geometry over all channels must stay within the runtime's limits, checked by the same rules as PatchGeometry.Strided1D/2D(..., channels): the input size channels·d (2D: channels·height·width) must fit an int and k·r over all channels may hold at most 1,073,741,823 index entries.");

        private static readonly DiagnosticDescriptor[] s_all =
        {
            ClassMustBePartial, InvalidGeometry, InvalidAlpha, GenericTypeNotSupported, ConflictingAttributes,
            UnreadCoordinates, NoNonOverlappingPart, LoopsInsteadOfUnrolling, NameCollidesWithConstant, ClassMustBeInstantiable,
            RecordNotSupported, MemberCollidesWithGenerated, LanguageVersionTooOld, InvalidChannels,
        };

        public static DiagnosticDescriptor ById(string id)
        {
            foreach (DiagnosticDescriptor descriptor in s_all)
            {
                if (descriptor.Id == id)
                    return descriptor;
            }
            throw new ArgumentException("Unknown diagnostic id " + id, nameof(id));
        }

        private static DiagnosticDescriptor Error(string id, string title, string messageFormat, string description) =>
            new(id, title, messageFormat, Category, DiagnosticSeverity.Error, isEnabledByDefault: true, description,
                HelpLinkBase + id + ".md", WellKnownDiagnosticTags.NotConfigurable);

        private static DiagnosticDescriptor Info(string id, string title, string messageFormat, string description) =>
            new(id, title, messageFormat, Category, DiagnosticSeverity.Info, isEnabledByDefault: true, description,
                HelpLinkBase + id + ".md");
    }
}
