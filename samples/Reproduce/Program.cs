// Runs Du & Goel's Algorithm 1 with the paper's settings on one geometry known only at run
// time (the dynamic model), for several seeds, and prints one line per seed. With --hex it
// prints the learned parameters bit for bit, which the determinism test compares across
// processes.
//
//   dotnet run -c Release --project samples/Reproduce -- [--geometry 1d:r=16,s=9,d=160]
//       [--inputs gaussian|uniform] [--seeds 5] [--first-seed 1] [--normalized] [--hex]
using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using Convotron;

var geometry = PatchGeometry.Strided1D(16, 9, 160);
var inputs = InputDistribution.Gaussian;
int seeds = 5;
ulong firstSeed = 1;
bool normalized = false, hex = false;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--geometry": geometry = PatchGeometry.Parse(args[++i]); break;
        case "--inputs": inputs = InputDistribution.FromName(args[++i]); break;
        case "--seeds": seeds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--first-seed": firstSeed = ulong.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--normalized": normalized = true; break;
        case "--hex": hex = true; break;
        default:
            Console.Error.WriteLine($"unknown argument '{args[i]}'; see the comment at the top of Program.cs");
            return 2;
    }
}

Algorithm1Options options = Algorithm1Options.Paper(inputs);
if (normalized)
    options = new Algorithm1Options { Stage1Step = StepSize.Normalized(double.Parse(Environment.GetEnvironmentVariable("MU1") ?? "0.1", CultureInfo.InvariantCulture)), Stage2Step = StepSize.Normalized(0.5), Stage1Steps = options.Stage1Steps, Stage2Steps = options.Stage2Steps };

Console.WriteLine($"Algorithm 1 on {geometry} (k = {geometry.PatchCount}, |T_non| = {geometry.NonOverlappingTaps.Length}), {inputs} inputs, " +
                  $"stage 1 {options.Stage1Step} x {options.Stage1Steps}, stage 2 {options.Stage2Step} x {options.Stage2Steps}");
Console.WriteLine("seed  stage1_angle  sign  a.a*>0  relative_test_mse  param_error  samples  seconds");
var relative = new double[seeds];
for (int n = 0; n < seeds; n++)
{
    ulong seed = firstSeed + (ulong)n;
    var teacher = Teacher.Random(geometry, Activation.ReLU, Xoshiro256StarStar.ForStream(seed, 0));
    var test = DataSet.Draw(teacher, inputs, 10_000, Xoshiro256StarStar.ForStream(seed, 3));
    var model = new DynamicConvNet(geometry, Activation.ReLU);
    var clock = Stopwatch.StartNew();
    var result = Algorithm1.Learn(model, teacher.Stream(inputs, Xoshiro256StarStar.ForStream(seed, 1)),
        new Algorithm1Options
        {
            Stage1Steps = long.Parse(Environment.GetEnvironmentVariable("T1") ?? options.Stage1Steps.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture), Stage1Step = options.Stage1Step, Stage2Steps = options.Stage2Steps,
            Stage2Step = options.Stage2Step, Seed = seed, EvaluationInterval = 0,
            Stage1SignCheckSamples = int.Parse(Environment.GetEnvironmentVariable("CHECK") ?? "0", CultureInfo.InvariantCulture),
            Stage1AveragingFraction = double.Parse(Environment.GetEnvironmentVariable("AVG") ?? "0", CultureInfo.InvariantCulture),
        }, new LearnerRun(test));
    double refined = double.NaN;
    long refineSamples = 0;
    if (Environment.GetEnvironmentVariable("REFINE") == "1")
    {
        var refinement = Refinement.Learn(model, teacher.Stream(inputs, Xoshiro256StarStar.ForStream(seed, 2)), new RefinementOptions(), new LearnerRun(test));
        refined = refinement.RelativeTestMse;
        refineSamples = refinement.SamplesUsed;
    }
    double agreement = TensorDot(model.OutputWeights, teacher.OutputWeights);
    relative[n] = result.RelativeTestMse;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{seed,4}  {result.Stage1Angle,12:F4}  {result.ChosenSign,4:+0;-0}  {agreement > 0,6}  {result.RelativeTestMse,17:E3}  {teacher.ParameterError(model),11:E3}  {result.SamplesUsed,7}  {clock.Elapsed.TotalSeconds,7:F2} {refined:E3} {refineSamples}"));
    if (hex)
    {
        Console.WriteLine("w " + string.Join(' ', model.Filter.ToArray().Select(v => BitConverter.DoubleToInt64Bits(v).ToString("x16", CultureInfo.InvariantCulture))));
        Console.WriteLine("a " + string.Join(' ', model.OutputWeights.ToArray().Select(v => BitConverter.DoubleToInt64Bits(v).ToString("x16", CultureInfo.InvariantCulture))));
    }
}
Array.Sort(relative);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"relative test MSE: median {relative[seeds / 2]:E3}, worst {relative[^1]:E3}"));
return 0;

static double TensorDot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
{
    double sum = 0;
    for (int i = 0; i < a.Length; i++)
        sum += a[i] * b[i];
    return sum;
}
