using System;
using Microsoft.CodeAnalysis;

namespace Convotron.Generator
{
    /// <summary>
    /// The diagnostics of the Convotron generator. Errors stop a model from being generated;
    /// Info only explains what was generated. A valid model never triggers a Warning, because
    /// consumers build with warnings as errors.
    /// </summary>
    internal static class DiagnosticDescriptors
    {
        private const string Category = "Convotron";
        // Relative to the repository root until the project has a public address; each page
        // says what triggers the diagnostic, shows an example and the fix.
        private const string HelpLinkBase = "docs/diagnostics/";

        public static readonly DiagnosticDescriptor ClassMustBePartial = new(
            id: "CNV0001",
            title: "A [ConvNet] class must be partial",
            messageFormat: "'{0}' must be declared partial so the Convotron generator can add the model; add the 'partial' modifier{1}",
            category: Category,
            defaultSeverity: DiagnosticSeverity.Error,
            isEnabledByDefault: true,
            helpLinkUri: HelpLinkBase + "CNV0001.md");

        public static readonly DiagnosticDescriptor InvalidGeometry = new(
            id: "CNV0002",
            title: "Invalid patch geometry",
            messageFormat: "The geometry of '{0}' is invalid. {1} Change the attribute argument '{2}'.",
            category: Category,
            defaultSeverity: DiagnosticSeverity.Error,
            isEnabledByDefault: true,
            helpLinkUri: HelpLinkBase + "CNV0002.md");

        public static readonly DiagnosticDescriptor InvalidAlpha = new(
            id: "CNV0003",
            title: "Activation slope alpha outside [0, 1]",
            messageFormat: "The activation slope alpha of '{0}' must be in [0, 1] (0 is ReLU, 1 is linear); got {1}. Use a value in [0, 1].",
            category: Category,
            defaultSeverity: DiagnosticSeverity.Error,
            isEnabledByDefault: true,
            helpLinkUri: HelpLinkBase + "CNV0003.md");

        public static readonly DiagnosticDescriptor GenericTypeNotSupported = new(
            id: "CNV0004",
            title: "Generic model classes are not supported",
            messageFormat: "'{0}' {1}; a [ConvNet] model must be a non-generic class outside any generic type. Remove the type parameters or move the class.",
            category: Category,
            defaultSeverity: DiagnosticSeverity.Error,
            isEnabledByDefault: true,
            helpLinkUri: HelpLinkBase + "CNV0004.md");

        public static readonly DiagnosticDescriptor ConflictingAttributes = new(
            id: "CNV0005",
            title: "[ConvNet] and [ConvNet2D] on one class",
            messageFormat: "'{0}' has both [ConvNet] and [ConvNet2D]; a class compiles exactly one geometry. Remove one of the attributes, or declare a second class.",
            category: Category,
            defaultSeverity: DiagnosticSeverity.Error,
            isEnabledByDefault: true,
            helpLinkUri: HelpLinkBase + "CNV0005.md");

        public static readonly DiagnosticDescriptor UnreadCoordinates = new(
            id: "CNV0006",
            title: "Input coordinates that no patch reads",
            messageFormat: "Geometry {0} of '{1}': {2} of the d = {3} input coordinates are read by no patch (a tail the stride does not reach, or gaps when s > r). This is legal; to use every coordinate, choose d so that s divides d − r and s ≤ r.",
            category: Category,
            defaultSeverity: DiagnosticSeverity.Info,
            isEnabledByDefault: true,
            helpLinkUri: HelpLinkBase + "CNV0006.md");

        public static readonly DiagnosticDescriptor NoNonOverlappingPart = new(
            id: "CNV0007",
            title: "No non-overlapping part: Algorithm 1 is unavailable",
            messageFormat: "Geometry {0} of '{1}' has no non-overlapping taps, so Du & Goel's stage 1 does not apply and DoubleConvotronStep / NormalizedDoubleConvotronStep throw InvalidOperationException. Convotron steps work; for Algorithm 1 use a stride s ≥ ⌊r/2⌋ + 1 on every axis.",
            category: Category,
            defaultSeverity: DiagnosticSeverity.Info,
            isEnabledByDefault: true,
            helpLinkUri: HelpLinkBase + "CNV0007.md");

        public static readonly DiagnosticDescriptor LoopsInsteadOfUnrolling = new(
            id: "CNV0008",
            title: "Geometry too large to unroll: loops emitted",
            messageFormat: "Geometry {0} of '{1}' has k·r = {2} patch terms, more than the {3} the generator unrolls; it emits constant-bound loops instead (still specialised and allocation-free). Nothing to fix unless you want full unrolling: use a smaller geometry.",
            category: Category,
            defaultSeverity: DiagnosticSeverity.Info,
            isEnabledByDefault: true,
            helpLinkUri: HelpLinkBase + "CNV0008.md");

        public static readonly DiagnosticDescriptor NameCollidesWithConstant = new(
            id: "CNV0009",
            title: "Model class named like a generated constant",
            messageFormat: "The model class '{0}' is named like the constant '{0}' the generator adds to it, and a member cannot share its class's name. Rename the class (e.g. '{0}Net').",
            category: Category,
            defaultSeverity: DiagnosticSeverity.Error,
            isEnabledByDefault: true,
            helpLinkUri: HelpLinkBase + "CNV0009.md");

        public static readonly DiagnosticDescriptor ClassMustBeInstantiable = new(
            id: "CNV0010",
            title: "A [ConvNet] class must be neither static nor abstract",
            messageFormat: "'{0}' is {1}, but a model is an IConvNet instance with a public parameterless constructor (Clone and the registry create it). Remove the '{1}' modifier.",
            category: Category,
            defaultSeverity: DiagnosticSeverity.Error,
            isEnabledByDefault: true,
            helpLinkUri: HelpLinkBase + "CNV0010.md");

        private static readonly DiagnosticDescriptor[] s_all =
        {
            ClassMustBePartial, InvalidGeometry, InvalidAlpha, GenericTypeNotSupported, ConflictingAttributes,
            UnreadCoordinates, NoNonOverlappingPart, LoopsInsteadOfUnrolling, NameCollidesWithConstant, ClassMustBeInstantiable,
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
    }
}
